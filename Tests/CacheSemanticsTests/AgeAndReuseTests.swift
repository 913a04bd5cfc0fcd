import CacheSemantics
import Testing

private func freshness(
    _ lifetime: Int64, swr: Int64 = 0, sie: Int64 = 0, mustRevalidate: Bool = false, noCache: Bool = false
) -> Freshness {
    var freshness = Freshness(lifetime: lifetime, source: .maxAge)
    freshness.staleWhileRevalidate = swr
    freshness.staleIfError = sie
    freshness.mustRevalidate = mustRevalidate
    freshness.noCache = noCache
    return freshness
}

/// Fetched at 1000 and arrived at once, with Date 1000 and no Age: current age is `now - 1000`.
private let instant = AgeBasis(requestTime: 1000, responseTime: 1000, dateValue: 1000, ageValue: nil)

@Suite("Age calculation (RFC 9111 4.2.3)")
struct AgeBasisTests {
    @Test("the inputs are kept as given")
    func inputs() {
        let basis = AgeBasis(requestTime: 1000, responseTime: 1002, dateValue: 990, ageValue: 7)
        #expect(basis.requestTime == 1000)
        #expect(basis.responseTime == 1002)
        #expect(basis.dateValue == 990)
        #expect(basis.ageValue == 7)
        let bare = AgeBasis(requestTime: 1, responseTime: 2, dateValue: nil, ageValue: nil)
        #expect(bare.dateValue == nil)
        #expect(bare.ageValue == 0)
    }

    @Test("apparent age from Date dominates a short response delay")
    func apparentAge() {
        // apparent_age = max(0, 1002 - 990) = 12; corrected_age_value = 0 + (1002 - 1000) = 2.
        let basis = AgeBasis(requestTime: 1000, responseTime: 1002, dateValue: 990, ageValue: nil)
        #expect(basis.correctedInitialAge == 12)
        // resident_time = 1100 - 1002 = 98.
        #expect(basis.currentAge(at: 1100) == 110)
    }

    @Test("the Age header plus the response delay dominates a recent Date")
    func ageHeaderPlusDelay() {
        // apparent_age = max(0, 1004 - 1003) = 1; corrected_age_value = 30 + (1004 - 1000) = 34.
        let basis = AgeBasis(requestTime: 1000, responseTime: 1004, dateValue: 1003, ageValue: 30)
        #expect(basis.correctedInitialAge == 34)
        #expect(basis.currentAge(at: 1004) == 34)
        #expect(basis.currentAge(at: 1010) == 40)
    }

    @Test("an apparent age larger than Age + delay wins")
    func apparentBeatsAge() {
        // apparent = 1100 - 1000 = 100; corrected_age_value = 20 + 5 = 25.
        let basis = AgeBasis(requestTime: 1095, responseTime: 1100, dateValue: 1000, ageValue: 20)
        #expect(basis.correctedInitialAge == 100)
        #expect(basis.currentAge(at: 1150) == 150)
    }

    @Test("a Date in the future (clock skew) gives no negative apparent age")
    func futureDate() {
        let basis = AgeBasis(requestTime: 1000, responseTime: 1002, dateValue: 5000, ageValue: nil)
        #expect(basis.correctedInitialAge == 2)
        #expect(basis.currentAge(at: 1012) == 12)
    }

    @Test("without Date only Age and the response delay count")
    func noDate() {
        #expect(AgeBasis(requestTime: 1000, responseTime: 1003, dateValue: nil, ageValue: nil).correctedInitialAge == 3)
        #expect(AgeBasis(requestTime: 1000, responseTime: 1003, dateValue: nil, ageValue: 60).correctedInitialAge == 63)
    }

    @Test("a response time before the request time gives no negative delay")
    func negativeDelay() {
        let basis = AgeBasis(requestTime: 1010, responseTime: 1000, dateValue: 1000, ageValue: 5)
        #expect(basis.correctedInitialAge == 5)
    }

    @Test("fractions of a second are kept")
    func fractions() {
        let basis = AgeBasis(requestTime: 1000.25, responseTime: 1000.75, dateValue: 1000, ageValue: nil)
        #expect(basis.correctedInitialAge == 0.75)
        #expect(basis.currentAge(at: 1001.5) == 1.5)
        let delayOnly = AgeBasis(requestTime: 1000.25, responseTime: 1000.75, dateValue: 1001, ageValue: 2)
        #expect(delayOnly.correctedInitialAge == 2.5)
    }

    @Test("resident time never goes negative when the clock reads before the response")
    func residentTime() {
        let basis = AgeBasis(requestTime: 1000, responseTime: 1002, dateValue: 990, ageValue: nil)
        #expect(basis.currentAge(at: 900) == 12)
        #expect(basis.currentAge(at: 1002) == 12)
    }
}

@Suite("Reusing a stored response (RFC 9111 4, RFC 5861)")
struct ReuseTests {
    @Test("fresh, then stale-while-revalidate, then revalidate, around each boundary")
    func boundaries() {
        let f = freshness(100, swr: 50)
        #expect(Reuse.decide(f, basis: instant, now: 1000) == .fresh(age: 0, remaining: 100))
        #expect(Reuse.decide(f, basis: instant, now: 1060) == .fresh(age: 60, remaining: 40))
        #expect(Reuse.decide(f, basis: instant, now: 1099) == .fresh(age: 99, remaining: 1))
        #expect(Reuse.decide(f, basis: instant, now: 1099.9) == .fresh(age: 99, remaining: 1))
        #expect(Reuse.decide(f, basis: instant, now: 1100) == .staleWhileRevalidate(age: 100))
        #expect(Reuse.decide(f, basis: instant, now: 1120) == .staleWhileRevalidate(age: 120))
        #expect(Reuse.decide(f, basis: instant, now: 1149.9) == .staleWhileRevalidate(age: 149))
        #expect(Reuse.decide(f, basis: instant, now: 1150) == .revalidate(age: 150))
        #expect(Reuse.decide(f, basis: instant, now: 5000) == .revalidate(age: 4000))
    }

    @Test("without a stale-while-revalidate window a stale response is revalidated")
    func noWindow() {
        let f = freshness(100)
        #expect(Reuse.decide(f, basis: instant, now: 1099) == .fresh(age: 99, remaining: 1))
        #expect(Reuse.decide(f, basis: instant, now: 1100) == .revalidate(age: 100))
    }

    @Test("a zero lifetime is stale at once")
    func zeroLifetime() {
        #expect(Reuse.decide(freshness(0), basis: instant, now: 1000) == .revalidate(age: 0))
        #expect(Reuse.decide(freshness(0, swr: 10), basis: instant, now: 1000) == .staleWhileRevalidate(age: 0))
        #expect(Reuse.decide(freshness(0, swr: 10), basis: instant, now: 1010) == .revalidate(age: 10))
    }

    @Test("the age used includes the Age header and the response delay")
    func ageCounts() {
        // corrected_initial_age = 88 + 2 = 90, so the 100-second lifetime ends at now = 1012.
        let basis = AgeBasis(requestTime: 1000, responseTime: 1002, dateValue: 1002, ageValue: 88)
        let f = freshness(100, swr: 20)
        #expect(Reuse.decide(f, basis: basis, now: 1002) == .fresh(age: 90, remaining: 10))
        #expect(Reuse.decide(f, basis: basis, now: 1011) == .fresh(age: 99, remaining: 1))
        #expect(Reuse.decide(f, basis: basis, now: 1012) == .staleWhileRevalidate(age: 100))
        #expect(Reuse.decide(f, basis: basis, now: 1031) == .staleWhileRevalidate(age: 119))
        #expect(Reuse.decide(f, basis: basis, now: 1032) == .revalidate(age: 120))
    }

    @Test("an apparent age from an old Date makes a response arrive stale")
    func arrivesStale() {
        let basis = AgeBasis(requestTime: 1000, responseTime: 1000, dateValue: 800, ageValue: nil)
        #expect(Reuse.decide(freshness(100, swr: 150), basis: basis, now: 1000) == .staleWhileRevalidate(age: 200))
        #expect(Reuse.decide(freshness(100, swr: 100), basis: basis, now: 1000) == .revalidate(age: 200))
    }

    @Test("no-cache always revalidates, even when fresh")
    func noCache() {
        let f = freshness(100, swr: 50, noCache: true)
        #expect(Reuse.decide(f, basis: instant, now: 1000) == .revalidate(age: 0))
        #expect(Reuse.decide(f, basis: instant, now: 1050) == .revalidate(age: 50))
        #expect(Reuse.decide(f, basis: instant, now: 1120) == .revalidate(age: 120))
    }

    @Test("must-revalidate never serves stale-while-revalidate")
    func mustRevalidate() {
        let f = freshness(100, swr: 50, mustRevalidate: true)
        #expect(Reuse.decide(f, basis: instant, now: 1099) == .fresh(age: 99, remaining: 1))
        #expect(Reuse.decide(f, basis: instant, now: 1100) == .revalidate(age: 100))
        #expect(Reuse.decide(f, basis: instant, now: 1120) == .revalidate(age: 120))
    }
}

@Suite("Serving stale on error (RFC 5861 stale-if-error)")
struct StaleIfErrorTests {
    @Test("inside the stale-if-error window a stale response may stand in; outside it may not")
    func window() {
        let f = freshness(100, sie: 600)
        #expect(Reuse.mayServeOnError(f, basis: instant, now: 1050))
        #expect(Reuse.mayServeOnError(f, basis: instant, now: 1100))
        #expect(Reuse.mayServeOnError(f, basis: instant, now: 1699))
        #expect(Reuse.mayServeOnError(f, basis: instant, now: 1699.9))
        #expect(!Reuse.mayServeOnError(f, basis: instant, now: 1700))
        #expect(!Reuse.mayServeOnError(f, basis: instant, now: 1800))
    }

    @Test("without a window only a still-fresh response may stand in")
    func noWindow() {
        let f = freshness(100)
        #expect(Reuse.mayServeOnError(f, basis: instant, now: 1099))
        #expect(!Reuse.mayServeOnError(f, basis: instant, now: 1100))
        #expect(!Reuse.mayServeOnError(f, basis: instant, now: 1101))
    }

    @Test("must-revalidate forbids it, fresh or stale")
    func mustRevalidate() {
        let f = freshness(100, sie: 600, mustRevalidate: true)
        #expect(!Reuse.mayServeOnError(f, basis: instant, now: 1050))
        #expect(!Reuse.mayServeOnError(f, basis: instant, now: 1200))
    }

    @Test("the window is measured on the current age, Age header included")
    func ageCounts() {
        // corrected_initial_age = 500: stale by 400 at arrival; the 600-second window ends at now = 1200.
        let basis = AgeBasis(requestTime: 1000, responseTime: 1000, dateValue: 1000, ageValue: 500)
        let f = freshness(100, sie: 600)
        #expect(Reuse.mayServeOnError(f, basis: basis, now: 1000))
        #expect(Reuse.mayServeOnError(f, basis: basis, now: 1199))
        #expect(!Reuse.mayServeOnError(f, basis: basis, now: 1200))
    }

    @Test("stale-while-revalidate does not extend the error window")
    func swrIsNotSie() {
        let f = freshness(100, swr: 1000, sie: 10)
        #expect(Reuse.mayServeOnError(f, basis: instant, now: 1109))
        #expect(!Reuse.mayServeOnError(f, basis: instant, now: 1110))
    }
}
