import NIOConcurrencyHelpers

/// One origin fetch per key: the first request to miss leads; the others wait for its outcome and are
/// called back (on their own event loops, by the caller) the moment it is known — nobody polls or sleeps.
/// A key whose response turned out not to be storable is remembered for a while so later requests go
/// straight to the origin instead of queueing behind each other (Varnish's hit-for-miss). A key whose
/// fetch failed is remembered for a second, so that while the origin is down a stale entry is served
/// without asking it again on every request (no retry storm).
final class Coalescer: Sendable {
    enum Outcome: Sendable, Equatable {
        /// A response was stored: look again.
        case stored
        /// The response may not be stored: go to the origin yourself.
        case notStorable
        /// The fetch failed: go to the origin yourself (or serve stale).
        case failed
    }

    typealias Waiter = @Sendable (Outcome) -> Void

    private struct State {
        var inFlight: [String: [Waiter]] = [:]
        var uncacheableUntil: [String: Double] = [:]
        var failingUntil: [String: Double] = [:]
    }

    private let state = NIOLockedValueBox(State())
    /// How long a key stays "go straight to the origin" after a response that may not be stored.
    let hitForMissSeconds: Double
    private let maxRemembered = 100_000

    /// How long after a failed fetch a stale entry is served without trying the origin again.
    let retryAfterFailureSeconds: Double

    init(hitForMissSeconds: Double = 30, retryAfterFailureSeconds: Double = 1) {
        self.hitForMissSeconds = hitForMissSeconds
        self.retryAfterFailureSeconds = retryAfterFailureSeconds
    }

    /// True when the caller leads the fetch for `key`; otherwise `waiter` is called with its outcome.
    func join(_ key: String, waiter: @escaping Waiter) -> Bool {
        self.state.withLockedValue { state in
            if state.inFlight[key] != nil {
                state.inFlight[key]!.append(waiter)
                return false
            }
            state.inFlight[key] = []
            return true
        }
    }

    /// Leads a fetch only when none is in flight (a background refresh); never waits.
    func tryLead(_ key: String) -> Bool {
        self.state.withLockedValue { state in
            guard state.inFlight[key] == nil else { return false }
            state.inFlight[key] = []
            return true
        }
    }

    /// The leader reports; every waiter is called.
    func finish(_ key: String, _ outcome: Outcome, now: Double) {
        let waiters = self.state.withLockedValue { state -> [Waiter] in
            switch outcome {
            case .notStorable:
                Self.remember(key, until: now + self.hitForMissSeconds, in: &state.uncacheableUntil, now: now, bound: self.maxRemembered)
                state.failingUntil[key] = nil
            case .stored:
                state.uncacheableUntil[key] = nil
                state.failingUntil[key] = nil
            case .failed:
                Self.remember(key, until: now + self.retryAfterFailureSeconds, in: &state.failingUntil, now: now, bound: self.maxRemembered)
            }
            return state.inFlight.removeValue(forKey: key) ?? []
        }
        for waiter in waiters { waiter(outcome) }
    }

    /// Whether `key` recently answered with something that may not be stored.
    func isHitForMiss(_ key: String, now: Double) -> Bool {
        self.state.withLockedValue { state in Self.holds(key, in: &state.uncacheableUntil, now: now) }
    }

    /// Whether the last fetch of `key` failed less than `retryAfterFailureSeconds` ago.
    func isFailing(_ key: String, now: Double) -> Bool {
        self.state.withLockedValue { state in Self.holds(key, in: &state.failingUntil, now: now) }
    }

    private static func holds(_ key: String, in deadlines: inout [String: Double], now: Double) -> Bool {
        guard let until = deadlines[key] else { return false }
        if until <= now {
            deadlines[key] = nil
            return false
        }
        return true
    }

    /// Remembers `key` until `until`, keeping at most `bound` keys (expired ones go first, then all).
    private static func remember(_ key: String, until: Double, in deadlines: inout [String: Double], now: Double, bound: Int) {
        if deadlines.count >= bound {
            deadlines = deadlines.filter { $0.value > now }
            if deadlines.count >= bound { deadlines.removeAll() }
        }
        deadlines[key] = until
    }

    func forget(_ key: String) {
        self.state.withLockedValue { state in
            state.uncacheableUntil[key] = nil
            state.failingUntil[key] = nil
        }
    }
}
