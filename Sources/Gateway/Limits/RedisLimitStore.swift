import NIOCore
import RedisClient

/// The sustained limit's windows in Redis, shared by every instance: one atomic script call per
/// decision (EVALSHA), never a read and an increment apart. The script checks the block key, reads the 13
/// slices of the key's sliding window (`SlidingWindow`) from one hash, and counts the request only when it
/// is allowed; remaining and reset are computed by the same `RateLimitDecision` arithmetic the memory
/// tier uses, from the counts the script returns.
final class RedisLimitStore: SharedLimitStore {
    private let redis: RedisClient

    init(redis: RedisClient) { self.redis = redis }

    var isAvailable: Bool { self.redis.health.isUp }

    /// KEYS: the slices hash, the block key. ARGV: limit, current slice, lanes, TTL ms, block ms.
    /// Returns {allowed, blocked ms left, count of slice, of slice - 1, ... of slice - lanes + 1}.
    static let script = RedisScript(
        """
        local limit = tonumber(ARGV[1])
        local slice = tonumber(ARGV[2])
        local lanes = tonumber(ARGV[3])
        local ttl = tonumber(ARGV[4])
        local block = tonumber(ARGV[5])
        local blocked = redis.call('PTTL', KEYS[2])
        if blocked > 0 then return {0, blocked} end
        local fields = {}
        for i = 0, lanes - 1 do fields[i + 1] = string.format('%d', slice - i) end
        local values = redis.call('HMGET', KEYS[1], unpack(fields))
        local reply = {0, 0}
        local total = 0
        for i = 1, lanes do
          local count = tonumber(values[i]) or 0
          reply[i + 2] = count
          total = total + count
        end
        if total + 1 > limit then
          if block > 0 then
            redis.call('SET', KEYS[2], '1', 'PX', block)
            reply[2] = block
          end
          return reply
        end
        redis.call('HINCRBY', KEYS[1], fields[1], 1)
        redis.call('PEXPIRE', KEYS[1], ttl)
        for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
          if tonumber(field) <= slice - lanes then redis.call('HDEL', KEYS[1], field) end
        end
        reply[1] = 1
        return reply
        """
    )

    func decide(key: String, limit: Int, windowSeconds: Double, now: Double, block: Double?, on eventLoop: EventLoop)
        -> EventLoopFuture<RateLimitDecision>
    {
        let slice = RateLimitDecision.slice(now: now, windowSeconds: windowSeconds)
        let lanes = SlidingWindow.lanes
        let ttlMs = Int(windowSeconds * 1000 * Double(lanes) / Double(SlidingWindow.slices)) + 1000
        // One hash tag per key, so both keys live in one slot (Redis Cluster).
        let tag = "gw:rl:{\(key)}"
        let keys: [RedisArgument] = [.init("\(tag):slices"), .init("\(tag):block")]
        let arguments: [RedisArgument] = [
            .init(limit), .init(Int(slice)), .init(lanes), .init(ttlMs), .init(Int((block ?? 0) * 1000)),
        ]
        return self.redis.evalScript(Self.script, keys: keys, arguments: arguments, on: eventLoop).flatMapThrowing { reply in
            guard let values = reply.array, values.count >= 2, let allowed = values[0].int, let blockedMs = values[1].int else {
                throw RedisError.protocolError("unexpected limiter reply \(reply)")
            }
            if values.count == 2 {
                return RateLimitDecision(
                    allowed: false, limit: limit, remaining: 0, resetSeconds: max(1, (blockedMs + 999) / 1000), windowSeconds: Int(windowSeconds)
                )
            }
            let counts = values.dropFirst(2).map { $0.int ?? 0 }
            guard counts.count == lanes else { throw RedisError.protocolError("unexpected limiter reply \(reply)") }
            let window = SlidingWindow(index: slice, counts: counts)
            var (decision, _) = RateLimitDecision.decide(window: window, limit: limit, windowSeconds: windowSeconds, now: now)
            // The script decided; the arithmetic above only fills in remaining and reset the same way.
            decision.allowed = allowed == 1
            if blockedMs > 0 {
                return RateLimitDecision(
                    allowed: false, limit: limit, remaining: 0, resetSeconds: max(1, (blockedMs + 999) / 1000), windowSeconds: Int(windowSeconds)
                )
            }
            return decision
        }
    }
}
