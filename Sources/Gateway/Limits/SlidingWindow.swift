/// A sliding-window rate estimate from two fixed windows (the previous one weighted by how much of it
/// still overlaps the sliding window), as Cloudflare and nginx-style limiters approximate it. Pure.
struct SlidingWindow: Sendable, Equatable {
    /// The fixed window the counts belong to: floor(now / length).
    var index: Int64
    var current: UInt32
    var previous: UInt32

    static let empty = SlidingWindow(index: Int64.min, current: 0, previous: 0)

    /// The counts as seen at `windowIndex` (rolling forward as time passes).
    func rolled(to windowIndex: Int64) -> SlidingWindow {
        if windowIndex == self.index { return self }
        if windowIndex == self.index + 1 { return SlidingWindow(index: windowIndex, current: 0, previous: self.current) }
        return SlidingWindow(index: windowIndex, current: 0, previous: 0)
    }

    func estimate(elapsedFraction: Double) -> Double {
        Double(self.previous) * (1 - elapsedFraction) + Double(self.current)
    }
}

/// One limiter decision, with what the response headers report.
struct RateLimitDecision: Sendable, Equatable {
    var allowed: Bool
    let limit: Int
    /// Requests left in the window after this one.
    let remaining: Int
    /// Seconds until the budget is back (Retry-After when refused): at least 1.
    let resetSeconds: Int
    /// The window, for RateLimit-Policy.
    let windowSeconds: Int

    /// Decides for one more request on `window`, at `now` (seconds), and the updated counts.
    static func decide(window: SlidingWindow, limit: Int, windowSeconds: Double, now: Double) -> (RateLimitDecision, SlidingWindow) {
        let index = Int64((now / windowSeconds).rounded(.down))
        let rolled = window.rolled(to: index)
        let elapsed = now - Double(index) * windowSeconds
        let fraction = min(max(elapsed / windowSeconds, 0), 1)
        let estimate = rolled.estimate(elapsedFraction: fraction)
        let untilWindowEnd = max(1, Int((windowSeconds - elapsed).rounded(.up)))
        if estimate + 1 > Double(limit) {
            // How long until the weighted previous window has faded enough for one more request.
            var wait = untilWindowEnd
            if Double(rolled.current) + 1 <= Double(limit), rolled.previous > 0 {
                let needed = estimate + 1 - Double(limit)
                let seconds = needed / Double(rolled.previous) * windowSeconds
                wait = max(1, min(untilWindowEnd, Int(seconds.rounded(.up))))
            }
            return (RateLimitDecision(allowed: false, limit: limit, remaining: 0, resetSeconds: wait, windowSeconds: Int(windowSeconds)), rolled)
        }
        var updated = rolled
        updated.current &+= 1
        let remaining = max(0, Int((Double(limit) - estimate - 1).rounded(.down)))
        return (
            RateLimitDecision(allowed: true, limit: limit, remaining: remaining, resetSeconds: untilWindowEnd, windowSeconds: Int(windowSeconds)),
            updated
        )
    }
}
