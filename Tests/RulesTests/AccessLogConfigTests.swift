import Testing
@testable import Rules

@Suite("access_log")
struct AccessLogConfigTests {
    let origin = "origin: { url: \"http://127.0.0.1:1\" }\n"

    @Test func everyHitIsLoggedByDefault() throws {
        #expect(try loaded(origin).accessLog.hitSample == 1)
    }

    @Test func aShareIsAPercentageOrAFraction() throws {
        #expect(try loaded(origin + "access_log: { hit_sample: 1% }").accessLog.hitSample == 0.01)
        #expect(try loaded(origin + "access_log: { hit_sample: 0.25 }").accessLog.hitSample == 0.25)
        #expect(try loaded(origin + "access_log: { hit_sample: 0 }").accessLog.hitSample == 0)
    }

    @Test func outOfRangeSharesAndUnknownKeysAreRefusedWithTheirPosition() {
        let found = problems(origin + "access_log: { hit_sample: 150%, hits: 1 }").map(\.description)
        #expect(found.contains { $0.hasPrefix("2:27: ") && $0.contains("from 0% to 100%") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("2:33: ") && $0.contains("unknown key `hits`") }, "\(found)")
    }
}
