import NIOCore

/// One word of a command: text, bytes, a buffer or an integer, sent as a binary-safe bulk string.
public struct RedisArgument: Sendable, Hashable {
    enum Storage: Sendable, Hashable {
        case string(String)
        case bytes([UInt8])
        case buffer(ByteBuffer)
        case integer(Int)
    }

    let storage: Storage

    public init(_ string: String) { self.storage = .string(string) }
    public init(_ bytes: [UInt8]) { self.storage = .bytes(bytes) }
    public init(_ buffer: ByteBuffer) { self.storage = .buffer(buffer) }
    public init(_ integer: Int) { self.storage = .integer(integer) }

    /// Appends the argument's bytes, as they go on the wire.
    func append(to bytes: inout [UInt8]) {
        switch self.storage {
        case .string(let string): bytes.append(contentsOf: string.utf8)
        case .bytes(let value): bytes.append(contentsOf: value)
        case .buffer(let buffer): bytes.append(contentsOf: buffer.readableBytesView)
        case .integer(let value): bytes.append(contentsOf: String(value).utf8)
        }
    }

    var byteCount: Int {
        switch self.storage {
        case .string(let string): return string.utf8.count
        case .bytes(let value): return value.count
        case .buffer(let buffer): return buffer.readableBytes
        case .integer: return 20
        }
    }
}

extension RedisArgument: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.storage = .string(value) }
}

extension RedisArgument: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.storage = .integer(value) }
}
