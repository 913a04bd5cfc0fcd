/// One RESP2 reply. hiredis reports a null array (`*-1`) the same way as a null bulk string, so both arrive
/// as `.bulkString(nil)`; `.array(nil)` exists for completeness and for values built in Swift.
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    /// nil is the null bulk string (`$-1`), e.g. GET of a missing key.
    case bulkString([UInt8]?)
    case array([RESPValue]?)
}

extension RESPValue {
    /// An integer reply, or a string reply that holds a decimal integer (GET of a counter).
    public var int: Int? {
        switch self {
        case .integer(let value): return Int(exactly: value)
        case .bulkString(let bytes?): return Int(String(decoding: bytes, as: UTF8.self))
        case .simpleString(let text): return Int(text)
        default: return nil
        }
    }

    /// A simple or bulk string reply as UTF-8 text.
    public var string: String? {
        switch self {
        case .simpleString(let text): return text
        case .bulkString(let bytes?): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }

    /// A bulk string's exact bytes (binary safe), or a simple string's UTF-8.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes?): return bytes
        case .simpleString(let text): return Array(text.utf8)
        default: return nil
        }
    }

    public var array: [RESPValue]? {
        if case .array(let elements?) = self { return elements }
        return nil
    }

    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil): return true
        default: return false
        }
    }
}
