import NIOConcurrencyHelpers

/// One origin fetch per key: the first request to miss leads; the others wait for its outcome and are
/// called back (on their own event loops, by the caller) the moment it is known — nobody polls or sleeps.
/// A key whose response turned out not to be storable is remembered for a while so later requests go
/// straight to the origin instead of queueing behind each other (Varnish's hit-for-miss).
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
    }

    private let state = NIOLockedValueBox(State())
    /// How long a key stays "go straight to the origin" after a response that may not be stored.
    let hitForMissSeconds: Double
    private let maxRemembered = 100_000

    init(hitForMissSeconds: Double = 30) { self.hitForMissSeconds = hitForMissSeconds }

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
            if outcome == .notStorable {
                if state.uncacheableUntil.count >= self.maxRemembered {
                    state.uncacheableUntil = state.uncacheableUntil.filter { $0.value > now }
                    if state.uncacheableUntil.count >= self.maxRemembered { state.uncacheableUntil.removeAll() }
                }
                state.uncacheableUntil[key] = now + self.hitForMissSeconds
            } else if outcome == .stored {
                state.uncacheableUntil[key] = nil
            }
            return state.inFlight.removeValue(forKey: key) ?? []
        }
        for waiter in waiters { waiter(outcome) }
    }

    /// Whether `key` recently answered with something that may not be stored.
    func isHitForMiss(_ key: String, now: Double) -> Bool {
        self.state.withLockedValue { state in
            guard let until = state.uncacheableUntil[key] else { return false }
            if until <= now {
                state.uncacheableUntil[key] = nil
                return false
            }
            return true
        }
    }

    func forget(_ key: String) {
        self.state.withLockedValue { state in state.uncacheableUntil[key] = nil }
    }
}
