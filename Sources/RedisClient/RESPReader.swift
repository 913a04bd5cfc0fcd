import CHiredis
import NIOCore

/// hiredis' incremental RESP parser. Feed it bytes in any slices; take whole replies out.
/// Owns a C handle, so it is not Sendable: one lives inside each connection's channel handler.
final class RESPReader {
    private let reader: UnsafeMutablePointer<redisReader>

    init() {
        guard let reader = redisReaderCreate() else { fatalError("hiredis: redisReaderCreate failed (out of memory)") }
        self.reader = reader
    }

    deinit {
        redisReaderFree(self.reader)
    }

    func feed(_ buffer: ByteBuffer) throws(RedisError) {
        guard buffer.readableBytes > 0 else { return }
        let status = buffer.withUnsafeReadableBytes { bytes in
            redisReaderFeed(self.reader, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        guard status == REDIS_OK else { throw .protocolError(self.errorMessage) }
    }

    /// The next complete reply, or nil when more bytes are needed.
    func next() throws(RedisError) -> RESPValue? {
        var reply: UnsafeMutableRawPointer?
        guard redisReaderGetReply(self.reader, &reply) == REDIS_OK else { throw .protocolError(self.errorMessage) }
        guard let reply else { return nil }
        defer { freeReplyObject(reply) }  // frees the whole tree: nested replies are never freed on their own
        return Self.value(of: reply.assumingMemoryBound(to: redisReply.self))
    }

    private var errorMessage: String {
        // `errstr` is a fixed C array, imported as a tuple.
        withUnsafeBytes(of: self.reader.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func value(of reply: UnsafeMutablePointer<redisReply>) -> RESPValue {
        let node = reply.pointee
        switch node.type {
        case REDIS_REPLY_STATUS:
            return .simpleString(String(decoding: self.bytes(node), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: self.bytes(node), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(node.integer))
        case REDIS_REPLY_STRING:
            return .bulkString(Array(self.bytes(node)))
        case REDIS_REPLY_ARRAY:
            guard node.elements > 0, let elements = node.element else { return .array([]) }
            return .array((0..<node.elements).map { index in
                guard let element = elements[index] else { return .bulkString(nil) }
                return self.value(of: element)
            })
        default:  // REDIS_REPLY_NIL
            return .bulkString(nil)
        }
    }

    private static func bytes(_ node: redisReply) -> UnsafeRawBufferPointer {
        guard let start = node.str else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: start, count: node.len)
    }
}
