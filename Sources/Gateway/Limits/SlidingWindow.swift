/// A sliding window counted in slices: a window of W seconds is cut into 12 slices of W/12, and a key
/// keeps the counts of the current slice and the 12 before it. A request is allowed while those 13
/// slices hold fewer than the limit. Every span of W seconds lies within 13 consecutive slices, so no
/// client ever gets more than the limit into any W seconds — however it times its bursts. (The
/// two-window estimate that weighs the previous window by its overlap, as Cloudflare's docs describe, lets a
/// client that bursts at a window's end and again early in the next through up to twice the limit in W
/// seconds: the application's brute-force scenario found 36 sign-ins a minute through a 20/min rule.)
/// The price: a client sending at the limit without pause gets `limit` per 13/12 of the window. Pure.
@_spi(Benchmarks) public struct SlidingWindow: Sendable, Equatable {
    /// Slices per window.
    static let slices = 12
    /// Lanes counted: the current slice and the `slices` before it.
    static let lanes = slices + 1

    /// The slice lane 0 belongs to: floor(now / (window / 12)).
    var index: Int64
    /// counts[i]: requests allowed in slice `index - i` (lanes 0...12; 13...15 unused). Saturating.
    var counts: SIMD16<UInt16>

    @_spi(Benchmarks) public static let empty = SlidingWindow(index: Int64.min, counts: .zero)

    /// The counts as seen at `slice` (older lanes shift out as time passes; a clock going back changes nothing).
    func rolled(to slice: Int64) -> SlidingWindow {
        guard slice > self.index else { return self }
        if self.index == Int64.min || slice - self.index >= Int64(Self.lanes) {
            return SlidingWindow(index: slice, counts: .zero)
        }
        let shift = Int(slice - self.index)
        var shifted = SIMD16<UInt16>.zero
        for lane in shift..<Self.lanes { shifted[lane] = self.counts[lane - shift] }
        return SlidingWindow(index: slice, counts: shifted)
    }

    /// Requests counted in the 13 slices.
    var total: Int {
        var sum = 0
        for lane in 0..<Self.lanes { sum += Int(self.counts[lane]) }
        return sum
    }

    /// The same window with one more request in the current slice.
    func counting() -> SlidingWindow {
        var updated = self
        if updated.counts[0] < UInt16.max { updated.counts[0] += 1 }
        return updated
    }

    /// A window whose slices hold `counts` (lane 0 first), for counts kept elsewhere (Redis, the sketch).
    init(index: Int64, counts lanes: [Int]) {
        var counts = SIMD16<UInt16>.zero
        for (lane, count) in lanes.prefix(Self.lanes).enumerated() { counts[lane] = UInt16(clamping: count) }
        self.init(index: index, counts: counts)
    }

    init(index: Int64, counts: SIMD16<UInt16>) {
        self.index = index
        self.counts = counts
    }
}

/// One limiter decision, with what the response headers report.
@_spi(Benchmarks) public struct RateLimitDecision: Sendable, Equatable {
    var allowed: Bool
    let limit: Int
    /// Requests left in the window after this one.
    let remaining: Int
    /// Seconds until the budget is back (Retry-After when refused): at least 1.
    let resetSeconds: Int
    /// The window, for RateLimit-Policy.
    let windowSeconds: Int

    /// The slice `now` falls in, for a window of `windowSeconds`.
    static func slice(now: Double, windowSeconds: Double) -> Int64 {
        Int64((now / (windowSeconds / Double(SlidingWindow.slices))).rounded(.down))
    }

    /// Decides for one more request on `window`, at `now` (seconds), and the updated counts.
    @_spi(Benchmarks) public static func decide(window: SlidingWindow, limit: Int, windowSeconds: Double, now: Double) -> (RateLimitDecision, SlidingWindow) {
        let sliceLength = windowSeconds / Double(SlidingWindow.slices)
        let slice = Self.slice(now: now, windowSeconds: windowSeconds)
        let rolled = window.rolled(to: slice)
        let total = rolled.total
        if total + 1 > limit {
            let wait = Self.secondsUntil(freeing: total + 1 - limit, in: rolled, slice: slice, sliceLength: sliceLength, now: now)
            return (RateLimitDecision(allowed: false, limit: limit, remaining: 0, resetSeconds: wait, windowSeconds: Int(windowSeconds)), rolled)
        }
        let updated = rolled.counting()
        // The budget is whole again when everything counted now has slid out.
        let reset = Self.secondsUntil(freeing: total + 1, in: updated, slice: slice, sliceLength: sliceLength, now: now)
        return (
            RateLimitDecision(allowed: true, limit: limit, remaining: limit - total - 1, resetSeconds: reset, windowSeconds: Int(windowSeconds)),
            updated
        )
    }

    /// Seconds until `needed` counted requests have slid out of the window (the oldest slice leaves at the
    /// next slice boundary, the one after it a slice later, ...). At least 1.
    static func secondsUntil(freeing needed: Int, in window: SlidingWindow, slice: Int64, sliceLength: Double, now: Double) -> Int {
        var left = needed
        var boundaries = SlidingWindow.lanes
        for lane in stride(from: SlidingWindow.lanes - 1, through: 0, by: -1) {
            left -= Int(window.counts[lane])
            if left <= 0 {
                boundaries = SlidingWindow.lanes - lane
                break
            }
        }
        let at = Double(slice + Int64(boundaries)) * sliceLength
        return max(1, Int((at - now).rounded(.up)))
    }
}
