import CacheSemantics
import Testing

/// Regression from fuzzing (Fuzz/crashes/cache-control/age-int64-max.txt): `Age: 9223372036854775807`
/// trapped converting the age back to Int64, which would have stopped the gateway on one origin response.
@Suite("delta-seconds (RFC 9111 1.2.2)")
struct DeltaSecondsTests {
    @Test func digitsAreSecondsAndTooLargeIsTwoToTheThirtyOne() {
        #expect(DeltaSeconds.parse("60") == 60)
        #expect(DeltaSeconds.parse(" 60 ") == 60)
        #expect(DeltaSeconds.parse("0000000000000000000060") == 60)
        #expect(DeltaSeconds.parse("9223372036854775807") == 2_147_483_648)
        #expect(DeltaSeconds.parse("99999999999999999999999999") == 2_147_483_648)
        #expect(DeltaSeconds.parse("-5") == nil)
        #expect(DeltaSeconds.parse("5s") == nil)
        #expect(DeltaSeconds.parse("") == nil)
    }

    @Test func aHugeAgeIsCappedAndNothingTraps() {
        let basis = AgeBasis(requestTime: 1000, responseTime: 1000, dateValue: 1000, ageValue: Int64.max)
        #expect(basis.ageValue == 2_147_483_648)
        var freshness = Freshness(lifetime: 60, source: .maxAge)
        freshness.staleIfError = 0
        #expect(Reuse.decide(freshness, basis: basis, now: 1000) == .revalidate(age: 2_147_483_648))
        let negative = AgeBasis(requestTime: 1000, responseTime: 1000, dateValue: 1000, ageValue: -50)
        #expect(negative.ageValue == 0)
    }

    @Test func wholeSecondsNeverTrap() {
        #expect(DeltaSeconds.whole(1e300) == Int64.max)
        #expect(DeltaSeconds.whole(-1e300) == Int64.min)
        #expect(DeltaSeconds.whole(.infinity) == Int64.max)
        #expect(DeltaSeconds.whole(.nan) == 0)
        #expect(DeltaSeconds.whole(59.9) == 59)
    }
}
