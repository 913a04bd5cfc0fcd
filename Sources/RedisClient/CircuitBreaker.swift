import NIOCore

/// Whether commands may go to Redis. Closed: yes, counting consecutive failures (connect errors, timeouts);
/// a reply resets the count. At the threshold it opens: commands fail fast until `until`, then one probe
/// decides. A failed probe reopens it for twice as long (up to a cap); a good one closes it.
/// A value with the clock passed in: the pool does the I/O and the logging of each transition.
struct CircuitBreaker: Sendable, Equatable {
    enum State: Sendable, Equatable {
        case closed(consecutiveFailures: Int)
        case open(until: NIODeadline)
        case probing
    }

    enum Transition: Sendable, Equatable {
        /// Was closed, now open: log once, schedule the probe at `until`.
        case opened(until: NIODeadline)
        /// A probe failed: schedule the next probe at `until`.
        case reopened(until: NIODeadline)
        /// A probe succeeded: log once, reconnect.
        case closed
    }

    private(set) var state: State = .closed(consecutiveFailures: 0)
    private(set) var openDuration: TimeAmount
    let failureThreshold: Int
    let baseOpenDuration: TimeAmount
    let maxOpenDuration: TimeAmount

    init(failureThreshold: Int, openDuration: TimeAmount, maxOpenDuration: TimeAmount) {
        self.failureThreshold = max(1, failureThreshold)
        self.baseOpenDuration = openDuration
        self.maxOpenDuration = max(openDuration, maxOpenDuration)
        self.openDuration = openDuration
    }

    var admitsCommands: Bool {
        if case .closed = self.state { return true }
        return false
    }

    mutating func recordSuccess() {
        if case .closed(let failures) = self.state, failures > 0 {
            self.state = .closed(consecutiveFailures: 0)
        }
    }

    /// Failures while open or probing are the expected ones and change nothing: only the probe decides.
    mutating func recordFailure(now: NIODeadline) -> Transition? {
        guard case .closed(let failures) = self.state else { return nil }
        guard failures + 1 >= self.failureThreshold else {
            self.state = .closed(consecutiveFailures: failures + 1)
            return nil
        }
        self.openDuration = self.baseOpenDuration
        let until = now + self.openDuration
        self.state = .open(until: until)
        return .opened(until: until)
    }

    /// True when the open period is over and the caller should send the one probe.
    mutating func startProbe(now: NIODeadline) -> Bool {
        guard case .open(let until) = self.state, now >= until else { return false }
        self.state = .probing
        return true
    }

    mutating func probeSucceeded() -> Transition? {
        guard case .probing = self.state else { return nil }
        self.state = .closed(consecutiveFailures: 0)
        self.openDuration = self.baseOpenDuration
        return .closed
    }

    mutating func probeFailed(now: NIODeadline) -> Transition? {
        guard case .probing = self.state else { return nil }
        let doubled = self.openDuration.nanoseconds.multipliedReportingOverflow(by: 2)
        self.openDuration = .nanoseconds(doubled.overflow ? self.maxOpenDuration.nanoseconds : min(doubled.partialValue, self.maxOpenDuration.nanoseconds))
        let until = now + self.openDuration
        self.state = .open(until: until)
        return .reopened(until: until)
    }
}
