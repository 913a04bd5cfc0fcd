import NIOConcurrencyHelpers

/// Per-key sliding windows in memory, bounded: at most `capacity` keys are counted exactly; when a
/// flood of distinct keys (a million spoofed or botnet IPs) fills the table, stale keys are swept and
/// the rest are counted in a fixed-size count-min sketch, which can only over-count. Memory is
/// `capacity` entries plus the sketch, whatever arrives.
final class WindowTable: Sendable {
    private struct State {
        var windows: [String: SlidingWindow] = [:]
        var blockedUntil: [String: Double] = [:]
        var sketch = CountMinSketch()
        /// The window index of the last sweep of stale keys: at most one O(n) sweep per window.
        var sweptAt: Int64 = Int64.min
    }

    let capacity: Int
    private let state: NIOLockedValueBox<State>

    init(capacity: Int) {
        self.capacity = capacity
        self.state = NIOLockedValueBox(State())
    }

    var trackedKeys: Int { self.state.withLockedValue { $0.windows.count } }

    /// One request for `key` against `limit` per `windowSeconds`; refused requests are not counted.
    func decide(_ key: String, limit: Int, windowSeconds: Double, now: Double, block: Double?) -> RateLimitDecision {
        self.state.withLockedValue { state in
            if let until = state.blockedUntil[key] {
                if until > now {
                    return RateLimitDecision(
                        allowed: false, limit: limit, remaining: 0, resetSeconds: max(1, Int((until - now).rounded(.up))),
                        windowSeconds: Int(windowSeconds)
                    )
                }
                state.blockedUntil[key] = nil
            }
            let index = Int64((now / windowSeconds).rounded(.down))
            var decision: RateLimitDecision
            if let window = state.windows[key] {
                let (made, updated) = RateLimitDecision.decide(window: window, limit: limit, windowSeconds: windowSeconds, now: now)
                state.windows[key] = updated
                decision = made
            } else {
                if state.windows.count >= self.capacity && state.sweptAt != index {
                    state.sweptAt = index
                    state.windows = state.windows.filter { $0.value.index >= index - 1 }
                }
                if state.windows.count < self.capacity {
                    let (made, updated) = RateLimitDecision.decide(window: .empty, limit: limit, windowSeconds: windowSeconds, now: now)
                    state.windows[key] = updated
                    decision = made
                } else {
                    let window = state.sketch.window(for: key, index: index)
                    let (made, updated) = RateLimitDecision.decide(window: window, limit: limit, windowSeconds: windowSeconds, now: now)
                    if made.allowed { state.sketch.count(key, index: updated.index) }
                    decision = made
                }
            }
            if !decision.allowed, let block, block > 0 {
                if state.blockedUntil.count >= self.capacity && state.sweptAt != index {
                    state.sweptAt = index
                    state.blockedUntil = state.blockedUntil.filter { $0.value > now }
                }
                if state.blockedUntil.count < self.capacity {
                    state.blockedUntil[key] = now + block
                    decision = RateLimitDecision(
                        allowed: false, limit: limit, remaining: 0, resetSeconds: max(1, Int(block.rounded(.up))), windowSeconds: Int(windowSeconds)
                    )
                }
            }
            return decision
        }
    }
}

/// A count-min sketch of two consecutive fixed windows: 4 rows of 262,144 16-bit counters each, per
/// window (4 MiB in all). Sized so a million distinct keys in one window over-count a key past a small
/// limit only rarely (each key's estimate is the least of its 4 counters).
struct CountMinSketch: Sendable {
    private static let width = 262_144
    private static let depth = 4
    private var index: Int64 = Int64.min
    private var current = [UInt16](repeating: 0, count: CountMinSketch.width * CountMinSketch.depth)
    private var previous = [UInt16](repeating: 0, count: CountMinSketch.width * CountMinSketch.depth)

    private mutating func roll(to index: Int64) {
        guard index != self.index else { return }
        if index == self.index + 1 {
            swap(&self.current, &self.previous)
        } else {
            self.previous.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        self.current.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        self.index = index
    }

    private static func slots(_ key: String) -> [Int] {
        var hasher = Hasher()
        hasher.combine(key)
        let h = UInt64(bitPattern: Int64(hasher.finalize()))
        let h1 = UInt32(truncatingIfNeeded: h)
        let h2 = UInt32(truncatingIfNeeded: h >> 32) | 1
        return (0..<Self.depth).map { row in row * Self.width + Int((h1 &+ UInt32(row) &* h2) & UInt32(Self.width - 1)) }
    }

    mutating func window(for key: String, index: Int64) -> SlidingWindow {
        self.roll(to: index)
        let slots = Self.slots(key)
        let current = slots.map { self.current[$0] }.min() ?? 0
        let previous = slots.map { self.previous[$0] }.min() ?? 0
        return SlidingWindow(index: index, current: UInt32(current), previous: UInt32(previous))
    }

    mutating func count(_ key: String, index: Int64) {
        self.roll(to: index)
        for slot in Self.slots(key) where self.current[slot] < UInt16.max { self.current[slot] += 1 }
    }
}
