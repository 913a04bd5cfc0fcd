import NIOCore
import NIOHTTP1

/// How a response's body is delimited on the client connection (RFC 9112 6.3).
enum BodyFraming {
    /// Content-Length: the body's bytes as they are.
    case length
    /// Transfer-Encoding: chunked: each part framed, a zero-size chunk at the end.
    case chunked
    /// No body follows: 1xx, 204, 304, or the answer to a HEAD.
    case none
    /// HTTP/1.0 without a length: the body ends when the connection does.
    case untilClose
}

/// Response heads as bytes on the client connection, and the framing of what follows them.
///
/// Written here rather than by NIO's `HTTPResponseEncoder`: that encoder is a handler of its own that
/// takes only `HTTPServerResponsePart`s, so every response paid a trip through it, and a cache hit could
/// not go out as one buffer of head and body. The framing rules are the encoder's
/// (`correctlyFrameTransportHeaders`): no body for 1xx, 204 and 304; a Content-Length is kept; HTTP/1.1
/// without one is chunked; HTTP/1.0 without one ends with the connection. A HEAD's answer keeps the head
/// a GET would have had and carries no body.
enum ResponseBytes {
    /// Makes `head` well framed and says how its body goes.
    static func frame(_ head: inout HTTPResponseHead, method: HTTPMethod) -> BodyFraming {
        guard head.status.mayHaveResponseBody else {
            head.headers.remove(name: "content-length")
            head.headers.remove(name: "transfer-encoding")
            return .none
        }
        let framing: BodyFraming
        if head.headers.contains(name: "content-length") {
            head.headers.remove(name: "transfer-encoding")
            framing = .length
        } else if head.version.major == 1 && head.version.minor >= 1 {
            head.headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
            framing = .chunked
        } else {
            framing = .untilClose
        }
        return method == .HEAD ? .none : framing
    }

    /// The status line, the fields and the blank line that ends them.
    static func write(_ head: HTTPResponseHead, into buffer: inout ByteBuffer) {
        Self.writeStatusLine(version: head.version, status: head.status, into: &buffer)
        for (name, value) in head.headers {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
    }

    static func writeStatusLine(version: HTTPVersion, status: HTTPResponseStatus, into buffer: inout ByteBuffer) {
        if version.major == 1 && version.minor == 1 {
            buffer.writeStaticString("HTTP/1.1 ")
        } else if version.major == 1 && version.minor == 0 {
            buffer.writeStaticString("HTTP/1.0 ")
        } else {
            buffer.writeString("HTTP/\(version.major).\(version.minor) ")
        }
        let code = status.code
        buffer.writeInteger(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: code / 100 % 10))
        buffer.writeInteger(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: code / 10 % 10))
        buffer.writeInteger(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: code % 10))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\r\n")
    }

    /// `value` in decimal, written in place: the lengths, ages and counts of every head, without making a
    /// string for each (NIO has no integer-as-text writer).
    static func writeDecimal<Integer: BinaryInteger>(_ value: Integer, into buffer: inout ByteBuffer) {
        guard value >= 0, let magnitude = UInt64(exactly: value) else {
            buffer.writeString(String(value))
            return
        }
        var digits = 1
        var rest = magnitude / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { out in
            var rest = magnitude
            for index in stride(from: digits - 1, through: 0, by: -1) {
                out[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            }
            return digits
        }
    }

    /// The line that opens a chunk of `size` bytes.
    static func writeChunkStart(size: Int, into buffer: inout ByteBuffer) {
        buffer.writeString(String(size, radix: 16))
        buffer.writeStaticString("\r\n")
    }

    /// The zero-size chunk and the empty trailer section that end a chunked body.
    static let lastChunk: ByteBuffer = ByteBuffer(staticString: "0\r\n\r\n")
    static let chunkEnd: ByteBuffer = ByteBuffer(staticString: "\r\n")
}
