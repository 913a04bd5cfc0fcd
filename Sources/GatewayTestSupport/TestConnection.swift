import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 client connection on SwiftNIO, for tests: exact control over what is sent
/// (streamed bodies, pipelining, no added headers) and what came back. Use from one task.
public final class TestConnection {
    private var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    private let channel: Channel
    public private(set) var isClosed = false

    /// Opens a connection, runs `body` with it, and closes it.
    public static func with<T: Sendable>(
        host: String = "127.0.0.1", port: Int, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (TestConnection) async throws -> T
    ) async throws -> T {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        let raw = channel.channel
        return try await channel.executeThenClose { inbound, outbound in
            let connection = TestConnection(inbound.makeAsyncIterator(), outbound, raw)
            return try await body(connection)
        }
    }

    private init(
        _ inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator,
        _ outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>,
        _ channel: Channel
    ) {
        self.inbound = inbound
        self.outbound = outbound
        self.channel = channel
    }

    /// Sends one request and reads its response.
    public func request(
        _ method: HTTPMethod = .GET, _ uri: String, headers: [(String, String)] = [], body: String? = nil,
        keepBody: Bool = true, timeout: Double = 10
    ) async throws -> TestResponse {
        do {
            try await self.send(method, uri, headers: headers, body: body)
        } catch is ChannelError {
            // The server may answer and close before the whole request is written (a 413, 431 or 400):
            // like a real client, read what it said.
        }
        return try await self.response(keepBody: keepBody, timeout: timeout)
    }

    /// Sends a request (head, body, end) without waiting for its response.
    public func send(_ method: HTTPMethod = .GET, _ uri: String, headers: [(String, String)] = [], body: String? = nil) async throws {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers))
        if !head.headers.contains(name: "host") { head.headers.add(name: "host", value: "localhost") }
        if let body, !head.headers.contains(name: "content-length"), !head.headers.contains(name: "transfer-encoding") {
            head.headers.add(name: "content-length", value: String(body.utf8.count))
        }
        try await self.outbound.write(.head(head))
        if let body { try await self.outbound.write(.body(.byteBuffer(ByteBuffer(string: body)))) }
        try await self.outbound.write(.end(nil))
    }

    /// Sends only a head, for streaming a body with `sendBody` and `sendEnd`.
    public func sendHead(_ method: HTTPMethod, _ uri: String, headers: [(String, String)]) async throws {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers))
        if !head.headers.contains(name: "host") { head.headers.add(name: "host", value: "localhost") }
        try await self.outbound.write(.head(head))
    }

    public func sendBody(_ buffer: ByteBuffer) async throws {
        try await self.outbound.write(.body(.byteBuffer(buffer)))
    }

    public func sendEnd() async throws {
        try await self.outbound.write(.end(nil))
    }

    /// Reads the next response. `keepBody: false` counts body bytes without keeping them. A body cut
    /// short by a close throws `TruncatedResponse`.
    public func response(keepBody: Bool = true, timeout: Double = 10) async throws -> TestResponse {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        var response: TestResponse?
        while true {
            let part = try await self.nextPart(until: deadline)
            guard let part else {
                self.isClosed = true
                if let response { throw TruncatedResponse(partial: response) }
                throw ConnectionClosed()
            }
            switch part {
            case .head(let head):
                response = TestResponse(status: head.status, version: head.version, headers: head.headers, body: ByteBuffer(), bodyLength: 0)
            case .body(var body):
                response?.bodyLength += body.readableBytes
                if keepBody { response?.body.writeBuffer(&body) }
            case .end:
                if let response { return response }
            }
        }
    }

    private func nextPart(until deadline: ContinuousClock.Instant) async throws -> HTTPClientResponsePart? {
        // The iterator is used only by this task; the race below reads it through a box.
        let box = IteratorBox(self.inbound)
        defer { self.inbound = box.iterator }
        return try await withThrowingTaskGroup(of: HTTPClientResponsePart?.self) { group in
            group.addTask { try await box.next() }
            group.addTask {
                try await Task.sleep(until: deadline)
                throw TestTimeout(what: "waiting for a response")
            }
            defer { group.cancelAll() }
            do {
                return try await group.next()!
            } catch let error as ChannelError where error == .eof || error == .ioOnClosedChannel {
                return nil
            } catch is HTTPParserError {
                // The connection ended mid-message (e.g. a body cut short): to the reader, a close.
                return nil
            }
        }
    }

    /// Waits until the server closes the connection (true) or the time runs out (false).
    public func waitForClose(timeout: Double = 5) async -> Bool {
        if self.isClosed { return true }
        do {
            try await withTimeout(timeout, "waiting for close") { [channel = self.channel] in
                try await channel.closeFuture.get()
            }
            self.isClosed = true
            return true
        } catch {
            return false
        }
    }

    public func close() async {
        try? await self.channel.close()
        self.isClosed = true
    }
}

private final class IteratorBox: @unchecked Sendable {
    // @unchecked: only one task reads at a time (the race in `nextPart` has one reader).
    var iterator: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator

    init(_ iterator: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator) { self.iterator = iterator }

    func next() async throws -> HTTPClientResponsePart? { try await self.iterator.next() }
}

public struct ConnectionClosed: Error {}

public struct TruncatedResponse: Error {
    public let partial: TestResponse
}
