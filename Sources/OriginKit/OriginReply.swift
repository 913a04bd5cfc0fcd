import NIOCore
import NIOHTTP1

/// What a scripted origin answers to one request.
public struct OriginReply: Sendable {
    public enum Body: Sendable {
        case bytes(ByteBuffer)
        /// `count` copies of `chunk`, written as the client can take them (a large body in bounded memory).
        case stream(chunk: ByteBuffer, count: Int)
    }

    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: Body
    /// Wait this long before sending the head.
    public var delay: TimeAmount
    /// Send the head and this many body bytes, then reset the connection.
    public var resetAfterBytes: Int?
    /// Never answer (the connection stays open until the client gives up).
    public var hang: Bool
    /// Answer only once this gate is open (then after `delay`).
    public var gate: OriginGate?

    public init(
        status: HTTPResponseStatus = .ok,
        headers: HTTPHeaders = [:],
        body: Body = .bytes(ByteBuffer()),
        delay: TimeAmount = .zero,
        resetAfterBytes: Int? = nil,
        hang: Bool = false,
        gate: OriginGate? = nil
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
        self.resetAfterBytes = resetAfterBytes
        self.hang = hang
        self.gate = gate
    }

    public static func text(_ text: String, status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:]) -> OriginReply {
        var headers = headers
        if !headers.contains(name: "content-type") { headers.add(name: "content-type", value: "text/plain; charset=utf-8") }
        return OriginReply(status: status, headers: headers, body: .bytes(ByteBuffer(string: text)))
    }

    public static func json(_ json: String, status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:]) -> OriginReply {
        var headers = headers
        headers.replaceOrAdd(name: "content-type", value: "application/json")
        return OriginReply(status: status, headers: headers, body: .bytes(ByteBuffer(string: json)))
    }

    /// The body's total length, when known up front.
    var contentLength: Int {
        switch self.body {
        case .bytes(let buffer): return buffer.readableBytes
        case .stream(let chunk, let count): return chunk.readableBytes * count
        }
    }
}

/// A request as the scripted origin received it.
public struct RecordedRequest: Sendable {
    public var method: HTTPMethod
    public var uri: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// The body's first bytes (up to 1 MiB are kept).
    public var body: ByteBuffer
    /// Every body byte received, kept or not.
    public var bodyLength: Int
    /// Which connection of the origin carried it (1, 2, ...).
    public var connectionNumber: Int

    public var path: String { String(self.uri.split(separator: "?", maxSplits: 1).first ?? "") }
    public var bodyString: String { String(buffer: self.body) }
}
