import NIOConcurrencyHelpers

/// Per-key sliding windows in memory, bounded: at most `capacity` keys are counted exactly; when a
/// flood of distinct keys (a million spoofed or botnet IPs) fills the table, stale keys are swept and
/// the rest are counted in a fixed-size count-min sketch, which can only over-count. Memory is
/// `capacity` entries plus the sketch, whatever arrives.
@_spi(Benchmarks) public final class WindowTable: Sendable {
    private struct Entry {
        var window: SlidingWindow
        /// When everything counted has slid out: a sweep drops the entry after this.
        var staleAfter: Double
    }

    private struct State {
        var windows: [String: Entry] = [:]
        var blockedUntil: [String: Double] = [:]
        var sketch = CountMinSketch()
        /// The second of the last sweep of stale keys: at most one O(n) sweep a second.
        var sweptAt: Int64 = Int64.min
    }

    let capacity: Int
    private let state: NIOLockedValueBox<State>

    @_spi(Benchmarks) public init(capacity: Int) {
        self.capacity = capacity
        self.state = NIOLockedValueBox(State())
    }

    var trackedKeys: Int { self.state.withLockedValue { $0.windows.count } }

    /// One request for `key` against `limit` per `windowSeconds`; refused requests are not counted.
    @_spi(Benchmarks) public func decide(_ key: String, limit: Int, windowSeconds: Double, now: Double, block: Double?) -> RateLimitDecision {
        self.state.withLockedValue { state in
            // Most tables block nobody: skip hashing the key for an empty dictionary.
            if !state.blockedUntil.isEmpty, let until = state.blockedUntil[key] {
                if until > now {
                    return RateLimitDecision(
                        allowed: false, limit: limit, remaining: 0, resetSeconds: max(1, Int((until - now).rounded(.up))),
                        windowSeconds: Int(windowSeconds)
                    )
                }
                state.blockedUntil[key] = nil
            }
            let second = Int64(now.rounded(.down))
            let staleAfter = now + windowSeconds * Double(SlidingWindow.lanes) / Double(SlidingWindow.slices)
            var decision: RateLimitDecision
            if let index = state.windows.index(forKey: key) {
                // Updated where it is: the key is hashed once.
                let entry = state.windows.values[index]
                let (made, updated) = RateLimitDecision.decide(window: entry.window, limit: limit, windowSeconds: windowSeconds, now: now)
                state.windows.values[index] = Entry(window: updated, staleAfter: made.allowed ? staleAfter : entry.staleAfter)
                decision = made
            } else {
                if state.windows.count >= self.capacity && state.sweptAt != second {
                    state.sweptAt = second
                    state.windows = state.windows.filter { $0.value.staleAfter > now }
                }
                if state.windows.count < self.capacity {
                    let (made, updated) = RateLimitDecision.decide(window: .empty, limit: limit, windowSeconds: windowSeconds, now: now)
                    state.windows[key] = Entry(window: updated, staleAfter: staleAfter)
                    decision = made
                } else {
                    // Past the table: the sketch's two fixed windows, both counted in full (it can only over-count).
                    let index = Int64((now / windowSeconds).rounded(.down))
                    let counts = state.sketch.counts(for: key, index: index)
                    let window = SlidingWindow(
                        index: RateLimitDecision.slice(now: now, windowSeconds: windowSeconds), counts: [counts.current + counts.previous]
                    )
                    let (made, _) = RateLimitDecision.decide(window: window, limit: limit, windowSeconds: windowSeconds, now: now)
                    if made.allowed { state.sketch.count(key, index: index) }
                    decision = made
                }
            }
            if !decision.allowed, let block, block > 0 {
                if state.blockedUntil.count >= self.capacity && state.sweptAt != second {
                    state.sweptAt = second
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

    mutating func counts(for key: String, index: Int64) -> (current: Int, previous: Int) {
        self.roll(to: index)
        let slots = Self.slots(key)
        let current = slots.map { self.current[$0] }.min() ?? 0
        let previous = slots.map { self.previous[$0] }.min() ?? 0
        return (Int(current), Int(previous))
    }

    mutating func count(_ key: String, index: Int64) {
        self.roll(to: index)
        for slot in Self.slots(key) where self.current[slot] < UInt16.max { self.current[slot] += 1 }
    }
}
