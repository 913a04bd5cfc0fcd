import NIOCore
import Testing

@testable import RedisClient

/// The breaker as a value with the clock passed in: no sockets, no sleeps.
@Suite("Circuit breaker")
struct CircuitBreakerTests {
    func at(_ milliseconds: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(1_000_000_000 + milliseconds * 1_000_000)) }

    func breaker() -> CircuitBreaker {
        CircuitBreaker(failureThreshold: 3, openDuration: .seconds(1), maxOpenDuration: .seconds(8))
    }

    @Test("opens at the threshold of consecutive failures, not before")
    func opensAtThreshold() {
        var breaker = self.breaker()
        let first = breaker.recordFailure(now: self.at(0))
        let second = breaker.recordFailure(now: self.at(10))
        #expect(first == nil && second == nil)
        #expect(breaker.admitsCommands)
        let third = breaker.recordFailure(now: self.at(20))
        #expect(third == .opened(until: self.at(1_020)))
        #expect(!breaker.admitsCommands)
    }

    @Test("a reply resets the count: failures must be consecutive")
    func successResets() {
        var breaker = self.breaker()
        _ = breaker.recordFailure(now: self.at(0))
        _ = breaker.recordFailure(now: self.at(1))
        breaker.recordSuccess()
        let third = breaker.recordFailure(now: self.at(2))
        let fourth = breaker.recordFailure(now: self.at(3))
        #expect(third == nil && fourth == nil)
        #expect(breaker.admitsCommands)
    }

    @Test("failures while open change nothing; the probe waits for the open period")
    func openIgnoresFailures() {
        var breaker = self.breaker()
        for step in 0..<3 { _ = breaker.recordFailure(now: self.at(Int64(step))) }
        let whileOpen = breaker.recordFailure(now: self.at(500))
        #expect(whileOpen == nil)
        #expect(breaker.state == .open(until: self.at(1_002)))
        let early = breaker.startProbe(now: self.at(1_001))
        #expect(!early)
        let due = breaker.startProbe(now: self.at(1_002))
        #expect(due)
        #expect(!breaker.admitsCommands)  // only the probe goes through
        let second = breaker.startProbe(now: self.at(1_003))
        #expect(!second)  // one probe at a time
    }

    @Test("each failed probe doubles the open period up to the cap; a good probe closes and resets it")
    func backoffAndClose() {
        var breaker = self.breaker()
        for step in 0..<3 { _ = breaker.recordFailure(now: self.at(Int64(step))) }
        var now: Int64 = 1_002
        var periods: [Int64] = []
        for _ in 0..<6 {
            let started = breaker.startProbe(now: self.at(now))
            #expect(started)
            guard case .reopened(let until) = breaker.probeFailed(now: self.at(now)) else {
                Issue.record("a failed probe must reopen the breaker")
                return
            }
            let period = Int64(until.uptimeNanoseconds - self.at(now).uptimeNanoseconds) / 1_000_000
            periods.append(period)
            now += period
        }
        #expect(periods == [2_000, 4_000, 8_000, 8_000, 8_000, 8_000])
        let started = breaker.startProbe(now: self.at(now))
        let closed = breaker.probeSucceeded()
        #expect(started && closed == .closed)
        #expect(breaker.admitsCommands)
        for step in 0..<3 { _ = breaker.recordFailure(now: self.at(now + Int64(step))) }
        #expect(breaker.state == .open(until: self.at(now + 2 + 1_000)))
    }
}
