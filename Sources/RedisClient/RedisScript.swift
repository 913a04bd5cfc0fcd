/// A Lua script run with EVALSHA; its SHA-1 is computed once, here, exactly as Redis names it.
public struct RedisScript: Sendable, Hashable {
    public let source: String
    /// Lowercase hex SHA-1 of `source`'s UTF-8 bytes.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        self.sha1 = SHA1.hexDigest(Array(source.utf8))
    }
}
