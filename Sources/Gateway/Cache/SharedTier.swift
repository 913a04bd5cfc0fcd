import NIOCore
import RedisClient

/// The L2 cache in Redis, shared by every instance: an L1 miss looks here and back-fills L1; a fill
/// writes here off the client's critical path; a short lock (SET NX PX) makes instances missing the
/// same key fetch it about once. Every call degrades to "not there" when Redis is down or slow: the
/// client's circuit breaker fails fast, so no request waits on a dead Redis.
final class SharedTier: Sendable {
    let redis: RedisClient
    let maxObject: Int
    /// How long an instance holding a fill lock may take before others fetch anyway.
    static let lockMilliseconds = 5_000

    init(redis: RedisClient, maxObject: Int) {
        self.redis = redis
        self.maxObject = maxObject
    }

    var isAvailable: Bool { self.redis.health.isUp }

    static func entryKey(_ key: CacheKey) -> RedisArgument { RedisArgument("gw:c:\(key.primary)") }
    static func lockKey(_ key: CacheKey) -> RedisArgument { RedisArgument("gw:lock:\(key.primary)") }

    /// The stored response, or nil (absent, undecodable, or Redis unavailable).
    func fetch(_ key: CacheKey, on eventLoop: EventLoop) -> EventLoopFuture<CachedResponse?> {
        guard self.isAvailable else { return eventLoop.makeSucceededFuture(nil) }
        return self.redis.send(["GET", Self.entryKey(key)], on: eventLoop)
            .map { reply in reply.bytes.flatMap { CachedResponse.decode($0, key: key) } }
            .recover { _ in nil }
    }

    /// Writes the entry with a Redis TTL of its freshness plus stale windows, and a grace period in
    /// which it can still be revalidated with its validators. Fire and forget.
    func store(_ entry: CachedResponse, on eventLoop: EventLoop?) {
        guard self.isAvailable else { return }
        guard let record = entry.encoded(), record.readableBytes <= self.maxObject + 4096 else { return }
        let grace = min(max(entry.freshness.lifetime, 60), 86_400)
        let ttl = max(1, entry.freshness.retention + grace) * 1000
        _ = self.redis.send(["SET", Self.entryKey(entry.key), RedisArgument(record), "PX", RedisArgument(Int(ttl))], on: eventLoop)
    }

    func delete(_ key: CacheKey, on eventLoop: EventLoop?) {
        guard self.isAvailable else { return }
        _ = self.redis.send(["DEL", Self.entryKey(key)], on: eventLoop)
    }

    /// True when this instance may fetch the key; false when another instance holds the fill lock.
    /// Unavailable Redis: true (fetch; no coordination is possible).
    func lock(_ key: CacheKey, on eventLoop: EventLoop) -> EventLoopFuture<Bool> {
        guard self.isAvailable else { return eventLoop.makeSucceededFuture(true) }
        return self.redis.send(["SET", Self.lockKey(key), "1", "NX", "PX", RedisArgument(Self.lockMilliseconds)], on: eventLoop)
            .map { !$0.isNull }
            .recover { _ in true }
    }

    func unlock(_ key: CacheKey, on eventLoop: EventLoop?) {
        guard self.isAvailable else { return }
        _ = self.redis.send(["DEL", Self.lockKey(key)], on: eventLoop)
    }
}
