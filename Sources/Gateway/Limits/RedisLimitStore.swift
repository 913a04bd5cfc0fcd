import NIOCore
import RedisClient

/// The sustained limit's windows in Redis, shared by every instance: one atomic script call per
/// decision (EVALSHA), never a read and an increment apart. The script checks the block key, reads the
/// two windows, and counts the request only when it is allowed; the decision itself is computed by the
/// same `RateLimitDecision` arithmetic the memory tier uses, from the counts the script returns.
final class RedisLimitStore: SharedLimitStore {
    private let redis: RedisClient

    init(redis: RedisClient) { self.redis = redis }

    var isAvailable: Bool { self.redis.health.isUp }

    /// KEYS: current window, previous window, block. ARGV: limit, window ms, elapsed ms in the window,
    /// block ms. Returns {allowed, current before this request, previous, blocked ms left}.
    static let script = RedisScript(
        """
        local limit = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local elapsed = tonumber(ARGV[3])
        local block = tonumber(ARGV[4])
        local blocked = redis.call('PTTL', KEYS[3])
        if blocked > 0 then return {0, 0, 0, blocked} end
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
        local estimate = previous * (1 - elapsed / window) + current
        if estimate + 1 > limit then
          if block > 0 then
            redis.call('SET', KEYS[3], '1', 'PX', block)
            return {0, current, previous, block}
          end
          return {0, current, previous, 0}
        end
        redis.call('INCR', KEYS[1])
        redis.call('PEXPIRE', KEYS[1], window * 2)
        return {1, current, previous, 0}
        """
    )

    func decide(key: String, limit: Int, windowSeconds: Double, now: Double, block: Double?, on eventLoop: EventLoop)
        -> EventLoopFuture<RateLimitDecision>
    {
        let index = Int64((now / windowSeconds).rounded(.down))
        let elapsedMs = Int((now - Double(index) * windowSeconds) * 1000)
        let windowMs = Int(windowSeconds * 1000)
        // One hash tag per key, so the three keys live in one slot (Redis Cluster).
        let tag = "gw:rl:{\(key)}"
        let keys: [RedisArgument] = [.init("\(tag):\(index)"), .init("\(tag):\(index - 1)"), .init("\(tag):block")]
        let arguments: [RedisArgument] = [
            .init(limit), .init(windowMs), .init(elapsedMs), .init(Int((block ?? 0) * 1000)),
        ]
        return self.redis.evalScript(Self.script, keys: keys, arguments: arguments, on: eventLoop).flatMapThrowing { reply in
            guard let values = reply.array, values.count == 4, let allowed = values[0].int, let current = values[1].int,
                let previous = values[2].int, let blockedMs = values[3].int
            else { throw RedisError.protocolError("unexpected limiter reply \(reply)") }
            if blockedMs > 0 {
                return RateLimitDecision(
                    allowed: false, limit: limit, remaining: 0, resetSeconds: max(1, (blockedMs + 999) / 1000), windowSeconds: Int(windowSeconds)
                )
            }
            let window = SlidingWindow(index: index, current: UInt32(clamping: current), previous: UInt32(clamping: previous))
            var (decision, _) = RateLimitDecision.decide(window: window, limit: limit, windowSeconds: windowSeconds, now: now)
            // The script decided; the arithmetic above only fills in remaining and reset the same way.
            decision.allowed = allowed == 1
            return decision
        }
    }
}
