import CacheSemantics
import Testing

/// A fixed `Date` for every response here.
private let originDate: Int64 = 1_700_000_000

private func decide(
    _ response: ResponseFacts, method: String = "GET", authorization: Bool = false, override: EdgeOverride? = nil
) -> StoreDecision {
    StorePolicy.decide(method: method, requestHasAuthorization: authorization, response: response, override: override)
}

private func response(
    _ status: Int = 200, _ cacheControl: String = "", expires: Int64?? = nil, lastModified: Int64? = nil, setCookie: Bool = false,
    vary: [String] = [], etag: String? = nil, date responseDate: Int64? = originDate
) -> ResponseFacts {
    ResponseFacts(
        status: status, cacheControl: CacheControl(cacheControl), date: responseDate, expires: expires, lastModified: lastModified,
        hasSetCookie: setCookie, vary: vary, etag: etag
    )
}

/// The freshness of a stored decision; nil (and a recorded failure) otherwise.
private func stored(_ decision: StoreDecision, sourceLocation: SourceLocation = #_sourceLocation) -> Freshness? {
    guard case .store(let freshness) = decision else {
        Issue.record("expected .store, got \(decision)", sourceLocation: sourceLocation)
        return nil
    }
    return freshness
}

private func expected(
    _ lifetime: Int64, _ source: Freshness.Source, swr: Int64 = 0, sie: Int64 = 0, mustRevalidate: Bool = false, noCache: Bool = false
) -> Freshness {
    var freshness = Freshness(lifetime: lifetime, source: source)
    freshness.staleWhileRevalidate = swr
    freshness.staleIfError = sie
    freshness.mustRevalidate = mustRevalidate
    freshness.noCache = noCache
    return freshness
}

@Suite("Storing responses (RFC 9111 3)")
struct StorabilityTests {
    @Test("a cacheable GET response is stored", arguments: [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501])
    func storesWithMaxAge(status: Int) {
        #expect(decide(response(status, "max-age=60")) == .store(expected(60, .maxAge)))
    }

    @Test("only GET responses are stored", arguments: ["POST", "HEAD", "PUT", "DELETE", "OPTIONS", "get", "Get"])
    func onlyGet(method: String) {
        #expect(decide(response(200, "public, max-age=60"), method: method) == .doNotStore(.method))
    }

    @Test("206, 304, informational and nonsense statuses are never stored", arguments: [206, 304, 100, 101, 199, 600, 999, 0, -1])
    func neverStoredStatuses(status: Int) {
        #expect(decide(response(status, "public, max-age=60", etag: "\"v\"")) == .doNotStore(.status))
    }

    @Test("a status without heuristic cacheability is stored only with explicit freshness", arguments: [201, 302, 307, 400, 403, 500, 502, 503])
    func explicitOnlyStatuses(status: Int) {
        #expect(decide(response(status, "max-age=60")) == .store(expected(60, .maxAge)))
        #expect(decide(response(status, "s-maxage=30")) == .store(expected(30, .sharedMaxAge, mustRevalidate: true)))
        #expect(decide(response(status, expires: originDate + 90)) == .store(expected(90, .expires)))
        // Heuristic information is not enough for these.
        #expect(decide(response(status, lastModified: originDate - 100_000, etag: "\"v\"")) == .doNotStore(.noFreshness))
        #expect(decide(response(status, "public", lastModified: originDate - 100_000, etag: "\"v\"")) == .doNotStore(.noFreshness))
    }

    @Test("no-cache alone does not make a status without heuristic cacheability storable (RFC 9111 3)", arguments: [500, 403, 302])
    func noCacheAloneOnNonHeuristicStatus(status: Int) {
        #expect(decide(response(status, "no-cache", etag: "\"v\"")) == .doNotStore(.noFreshness))
        #expect(decide(response(status, "no-cache")) == .doNotStore(.noFreshness))
        // With explicit freshness it is stored, and validated before every use.
        #expect(decide(response(status, "no-cache, max-age=60")) == .store(expected(60, .maxAge, noCache: true)))
        // public makes it storable (RFC 9111 3), validated before every use.
        #expect(decide(response(status, "public, no-cache", etag: "\"v\"")) == .store(expected(0, .maxAge, noCache: true)))
    }

    @Test("heuristically cacheable statuses get heuristic freshness", arguments: [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501])
    func heuristicStatuses(status: Int) {
        #expect(decide(response(status, lastModified: originDate - 100_000)) == .store(expected(10_000, .heuristic)))
    }

    @Test("the heuristic status list is RFC 9110 15.1's")
    func heuristicList() {
        #expect(StorePolicy.heuristicallyCacheable == [200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501])
        #expect(StorePolicy.overridable == [200, 203, 204, 300, 301, 308])
        #expect(StorePolicy.heuristicCap == 86_400)
    }

    @Test("no-store is refused, whatever else is there")
    func noStore() {
        #expect(decide(response(200, "no-store")) == .doNotStore(.noStore))
        #expect(decide(response(200, "public, max-age=60, no-store, s-maxage=60")) == .doNotStore(.noStore))
        #expect(decide(response(200, "no-store"), override: EdgeOverride(mode: .override, edgeTTL: 3600)) == .doNotStore(.noStore))
    }

    @Test("private is refused by a shared cache, qualified or not")
    func isPrivate() {
        #expect(decide(response(200, "private, max-age=60")) == .doNotStore(.isPrivate))
        #expect(decide(response(200, "private=\"set-cookie\", max-age=60")) == .doNotStore(.isPrivate))
        #expect(decide(response(200, "private"), override: EdgeOverride(mode: .override, edgeTTL: 3600)) == .doNotStore(.isPrivate))
    }

    @Test("a response that sets a cookie is refused")
    func setCookie() {
        #expect(decide(response(200, "public, max-age=60", setCookie: true)) == .doNotStore(.setCookie))
        #expect(decide(response(200, setCookie: true), override: EdgeOverride(mode: .override, edgeTTL: 3600)) == .doNotStore(.setCookie))
    }

    @Test("Vary: * is refused; other Vary fields are fine")
    func vary() {
        #expect(decide(response(200, "max-age=60", vary: ["*"])) == .doNotStore(.varyStar))
        #expect(decide(response(200, "max-age=60", vary: ["accept-encoding", "*"])) == .doNotStore(.varyStar))
        #expect(decide(response(200, "max-age=60", vary: ["accept-encoding", "accept-language"])) == .store(expected(60, .maxAge)))
    }

    @Test("the first reason found is reported: no-store before private before Set-Cookie before Vary")
    func reasonOrder() {
        #expect(decide(response(200, "no-store, private", setCookie: true, vary: ["*"])) == .doNotStore(.noStore))
        #expect(decide(response(200, "private", setCookie: true, vary: ["*"])) == .doNotStore(.isPrivate))
        #expect(decide(response(200, "max-age=60", setCookie: true, vary: ["*"])) == .doNotStore(.setCookie))
        #expect(decide(response(206, "no-store"), method: "POST") == .doNotStore(.method))
        #expect(decide(response(206, "no-store")) == .doNotStore(.status))
    }

    @Test("a response to a request with Authorization needs public, s-maxage or must-revalidate (RFC 9111 3.5)")
    func authorization() {
        #expect(decide(response(200, "max-age=60"), authorization: true) == .doNotStore(.authorization))
        #expect(decide(response(200, "proxy-revalidate, max-age=60"), authorization: true) == .doNotStore(.authorization))
        #expect(decide(response(200, lastModified: originDate - 100_000), authorization: true) == .doNotStore(.authorization))
        #expect(
            decide(response(200), authorization: true, override: EdgeOverride(mode: .override, edgeTTL: 3600))
                == .doNotStore(.authorization))
        #expect(decide(response(200, "public, max-age=60"), authorization: true) == .store(expected(60, .maxAge)))
        #expect(decide(response(200, "s-maxage=60"), authorization: true) == .store(expected(60, .sharedMaxAge, mustRevalidate: true)))
        #expect(
            decide(response(200, "must-revalidate, max-age=60"), authorization: true) == .store(expected(60, .maxAge, mustRevalidate: true)))
        // Without Authorization the same plain response is fine.
        #expect(decide(response(200, "max-age=60"), authorization: false) == .store(expected(60, .maxAge)))
    }

    @Test("a response with neither freshness nor a validator is not stored")
    func nothingToGoOn() {
        #expect(decide(response(200)) == .doNotStore(.noFreshness))
        #expect(decide(response(200, "public")) == .doNotStore(.noFreshness))
        #expect(decide(response(200, "max-age=0")) == .doNotStore(.noFreshness))
        #expect(decide(response(200, "must-revalidate")) == .doNotStore(.noFreshness))
        #expect(decide(response(404)) == .doNotStore(.noFreshness))
    }

    @Test("a stale-on-arrival response with a validator is kept to be revalidated")
    func zeroLifetimeWithValidator() {
        #expect(decide(response(200, "max-age=0", etag: "\"v\"")) == .store(expected(0, .maxAge)))
        #expect(decide(response(200, "max-age=0", lastModified: originDate - 5)) == .store(expected(0, .maxAge)))
        #expect(decide(response(200, "public", etag: "\"v\"")) == .store(expected(0, .heuristic)))
    }

    @Test("a zero lifetime with a stale-while-revalidate window is kept even without a validator")
    func zeroLifetimeWithStaleWindow() {
        #expect(decide(response(200, "max-age=0, stale-while-revalidate=30")) == .store(expected(0, .maxAge, swr: 30)))
        // stale-if-error alone does not keep it.
        #expect(decide(response(200, "max-age=0, stale-if-error=30")) == .doNotStore(.noFreshness))
    }

    @Test("no-cache is stored, validated before every use")
    func noCache() {
        #expect(decide(response(200, "no-cache")) == .store(expected(0, .maxAge, noCache: true)))
        #expect(decide(response(200, "no-cache=\"set-cookie\"", etag: "\"v\"")) == .store(expected(0, .maxAge, noCache: true)))
        #expect(decide(response(200, "no-cache, max-age=60")) == .store(expected(60, .maxAge, noCache: true)))
    }

    @Test("not-stored reasons have the Cache-Status detail spelling")
    func reasonSpelling() {
        #expect(NotStoredReason.method.rawValue == "method")
        #expect(NotStoredReason.status.rawValue == "status")
        #expect(NotStoredReason.noStore.rawValue == "no-store")
        #expect(NotStoredReason.isPrivate.rawValue == "private")
        #expect(NotStoredReason.setCookie.rawValue == "set-cookie")
        #expect(NotStoredReason.varyStar.rawValue == "vary-star")
        #expect(NotStoredReason.authorization.rawValue == "authorization")
        #expect(NotStoredReason.noFreshness.rawValue == "no-freshness")
        #expect(NotStoredReason.tooLarge.rawValue == "too-large")
        #expect(Freshness.Source.sharedMaxAge.rawValue == "s-maxage")
        #expect(Freshness.Source.rule.rawValue == "rule")
    }
}

@Suite("Freshness lifetime (RFC 9111 4.2.1, 4.2.2)")
struct FreshnessLifetimeTests {
    @Test("s-maxage wins over max-age, which wins over Expires - Date")
    func precedence() {
        let all = response(200, "s-maxage=30, max-age=60", expires: originDate + 90)
        #expect(decide(all) == .store(expected(30, .sharedMaxAge, mustRevalidate: true)))
        let noShared = response(200, "max-age=60", expires: originDate + 90)
        #expect(decide(noShared) == .store(expected(60, .maxAge)))
        let onlyExpires = response(200, expires: originDate + 90)
        #expect(decide(onlyExpires) == .store(expected(90, .expires)))
        // A zero s-maxage still wins over a long max-age.
        #expect(decide(response(200, "s-maxage=0, max-age=600", etag: "\"v\"")) == .store(expected(0, .sharedMaxAge, mustRevalidate: true)))
    }

    @Test("explicit freshness wins over the heuristic")
    func explicitOverHeuristic() {
        #expect(decide(response(200, "max-age=5", lastModified: originDate - 1_000_000)) == .store(expected(5, .maxAge)))
        #expect(decide(response(200, expires: originDate + 7, lastModified: originDate - 1_000_000)) == .store(expected(7, .expires)))
    }

    @Test("an Expires in the past, or equal to Date, gives zero")
    func expiresInThePast() {
        #expect(decide(response(200, expires: originDate - 100, etag: "\"v\"")) == .store(expected(0, .expires)))
        #expect(decide(response(200, expires: originDate, etag: "\"v\"")) == .store(expected(0, .expires)))
        #expect(decide(response(200, expires: originDate - 100)) == .doNotStore(.noFreshness))
    }

    @Test("an invalid Expires means already expired, and is not replaced by the heuristic")
    func invalidExpires() {
        let invalid: Int64?? = .some(nil)
        #expect(decide(response(200, expires: invalid, etag: "\"v\"")) == .store(expected(0, .expires)))
        #expect(decide(response(200, expires: invalid, lastModified: originDate - 1_000_000)) == .store(expected(0, .expires)))
        #expect(decide(response(200, expires: invalid)) == .doNotStore(.noFreshness))
        // max-age still takes precedence over an invalid Expires.
        #expect(decide(response(200, "max-age=60", expires: invalid)) == .store(expected(60, .maxAge)))
    }

    @Test("heuristic freshness is 10% of Date - Last-Modified")
    func heuristicTenPercent() {
        #expect(decide(response(200, lastModified: originDate - 100_000)) == .store(expected(10_000, .heuristic)))
        #expect(decide(response(200, lastModified: originDate - 12_345)) == .store(expected(1_234, .heuristic)))
        #expect(decide(response(200, lastModified: originDate - 10)) == .store(expected(1, .heuristic)))
        #expect(decide(response(200, lastModified: originDate - 863_990)) == .store(expected(86_399, .heuristic)))
    }

    @Test("heuristic freshness is capped at one day")
    func heuristicCap() {
        #expect(decide(response(200, lastModified: originDate - 864_000)) == .store(expected(86_400, .heuristic)))
        #expect(decide(response(200, lastModified: originDate - 864_010)) == .store(expected(86_400, .heuristic)))
        #expect(decide(response(200, lastModified: originDate - 365 * 86_400)) == .store(expected(86_400, .heuristic)))
    }

    @Test("no heuristic without Date, when Last-Modified is not before Date, or when 10% rounds to zero")
    func noHeuristic() {
        #expect(decide(response(200, lastModified: originDate - 100_000, date: nil)) == .doNotStore(.noFreshness))
        #expect(decide(response(200, lastModified: originDate)) == .doNotStore(.noFreshness))
        #expect(decide(response(200, lastModified: originDate + 100)) == .doNotStore(.noFreshness))
        #expect(decide(response(200, lastModified: originDate - 9)) == .doNotStore(.noFreshness))
        // public with a validator keeps it, with no freshness.
        #expect(decide(response(200, "public", lastModified: originDate - 9)) == .store(expected(0, .heuristic)))
    }

    @Test("must-revalidate, proxy-revalidate and s-maxage forbid serving stale")
    func mustRevalidateFlags() {
        #expect(decide(response(200, "max-age=60, must-revalidate")) == .store(expected(60, .maxAge, mustRevalidate: true)))
        #expect(decide(response(200, "max-age=60, proxy-revalidate")) == .store(expected(60, .maxAge, mustRevalidate: true)))
        #expect(decide(response(200, "s-maxage=60")) == .store(expected(60, .sharedMaxAge, mustRevalidate: true)))
        #expect(decide(response(200, "max-age=60")) == .store(expected(60, .maxAge, mustRevalidate: false)))
        #expect(
            decide(response(200, "must-revalidate", lastModified: originDate - 100_000)) == .store(expected(10_000, .heuristic, mustRevalidate: true)))
    }

    @Test("the origin's stale windows are carried")
    func originStaleWindows() {
        #expect(
            decide(response(200, "max-age=60, stale-while-revalidate=30, stale-if-error=600"))
                == .store(expected(60, .maxAge, swr: 30, sie: 600)))
        #expect(decide(response(200, "max-age=60, stale-if-error=600")) == .store(expected(60, .maxAge, sie: 600)))
    }
}

@Suite("The rule's override (EdgeOverride)")
struct EdgeOverrideTests {
    let override = EdgeOverride(mode: .override, edgeTTL: 3600)
    let respect = EdgeOverride(mode: .respectOrigin, edgeTTL: 3600)

    @Test("override: the rule's TTL stands for 200, whatever the origin says about freshness")
    func overrideFor200() {
        #expect(decide(response(200), override: self.override) == .store(expected(3600, .rule)))
        #expect(decide(response(200, "max-age=60"), override: self.override) == .store(expected(3600, .rule)))
        #expect(decide(response(200, "s-maxage=5, max-age=60", expires: originDate + 9), override: self.override) == .store(expected(3600, .rule)))
        #expect(decide(response(200, lastModified: originDate - 100_000), override: self.override) == .store(expected(3600, .rule)))
    }

    @Test("override: the origin's no-cache, must-revalidate and s-maxage do not govern the rule's TTL")
    func overrideIgnoresRevalidation() {
        let freshness = stored(decide(response(200, "no-cache, must-revalidate, proxy-revalidate, s-maxage=5"), override: self.override))
        #expect(freshness == expected(3600, .rule))
        #expect(freshness?.mustRevalidate == false)
        #expect(freshness?.noCache == false)
    }

    @Test("override applies to every overridable status", arguments: [200, 203, 204, 300, 301, 308])
    func overrideStatuses(status: Int) {
        #expect(decide(response(status, "max-age=60"), override: self.override) == .store(expected(3600, .rule)))
    }

    @Test("override: a 404 keeps the origin's semantics")
    func overrideNot404() {
        #expect(decide(response(404, "max-age=60"), override: self.override) == .store(expected(60, .maxAge)))
        #expect(decide(response(404, lastModified: originDate - 100_000), override: self.override) == .store(expected(10_000, .heuristic)))
        #expect(decide(response(404), override: self.override) == .doNotStore(.noFreshness))
        #expect(decide(response(410, "max-age=60, must-revalidate"), override: self.override) == .store(expected(60, .maxAge, mustRevalidate: true)))
        #expect(decide(response(500), override: self.override) == .doNotStore(.noFreshness))
    }

    @Test("a rule without an edge TTL leaves the origin's semantics")
    func noEdgeTTL() {
        let noTTL = EdgeOverride(mode: .override, edgeTTL: nil)
        #expect(decide(response(200, "max-age=60, must-revalidate"), override: noTTL) == .store(expected(60, .maxAge, mustRevalidate: true)))
        #expect(decide(response(200), override: noTTL) == .doNotStore(.noFreshness))
        let respectNoTTL = EdgeOverride(mode: .respectOrigin, edgeTTL: nil)
        #expect(decide(response(200), override: respectNoTTL) == .doNotStore(.noFreshness))
    }

    @Test("override with a zero TTL and no validator is not stored")
    func zeroTTL() {
        #expect(decide(response(200), override: EdgeOverride(mode: .override, edgeTTL: 0)) == .doNotStore(.noFreshness))
        #expect(decide(response(200, etag: "\"v\""), override: EdgeOverride(mode: .override, edgeTTL: 0)) == .store(expected(0, .rule)))
    }

    @Test("respectOrigin: the origin's explicit freshness when present")
    func respectOriginExplicit() {
        #expect(decide(response(200, "max-age=60"), override: self.respect) == .store(expected(60, .maxAge)))
        #expect(decide(response(200, "s-maxage=30, max-age=60"), override: self.respect) == .store(expected(30, .sharedMaxAge, mustRevalidate: true)))
        #expect(decide(response(200, expires: originDate + 90), override: self.respect) == .store(expected(90, .expires)))
        #expect(decide(response(200, "no-cache", etag: "\"v\""), override: self.respect) == .store(expected(0, .maxAge, noCache: true)))
    }

    @Test("respectOrigin: the rule's TTL when the origin gives no explicit freshness, even over the heuristic")
    func respectOriginFallback() {
        #expect(decide(response(200), override: self.respect) == .store(expected(3600, .rule)))
        #expect(decide(response(200, lastModified: originDate - 100_000), override: self.respect) == .store(expected(3600, .rule)))
        #expect(decide(response(200, "public"), override: self.respect) == .store(expected(3600, .rule)))
    }

    @Test("respectOrigin: the origin's must-revalidate still holds on the rule's TTL")
    func respectOriginMustRevalidate() {
        #expect(decide(response(200, "must-revalidate"), override: self.respect) == .store(expected(3600, .rule, mustRevalidate: true)))
        #expect(decide(response(200, "proxy-revalidate"), override: self.respect) == .store(expected(3600, .rule, mustRevalidate: true)))
    }

    @Test("respectOrigin: a 404 keeps the origin's semantics")
    func respectOrigin404() {
        #expect(decide(response(404), override: self.respect) == .doNotStore(.noFreshness))
        #expect(decide(response(404, lastModified: originDate - 100_000), override: self.respect) == .store(expected(10_000, .heuristic)))
    }

    @Test("the rule's stale windows replace the origin's")
    func ruleStaleWindows() {
        let windows = EdgeOverride(mode: .override, edgeTTL: 3600, staleWhileRevalidate: 120, staleIfError: 86_400)
        let origin = response(200, "max-age=60, stale-while-revalidate=30, stale-if-error=600")
        #expect(decide(origin, override: windows) == .store(expected(3600, .rule, swr: 120, sie: 86_400)))
        let respectWindows = EdgeOverride(mode: .respectOrigin, edgeTTL: 3600, staleWhileRevalidate: 120, staleIfError: 86_400)
        #expect(decide(origin, override: respectWindows) == .store(expected(60, .maxAge, swr: 120, sie: 86_400)))
        // Only the windows the rule sets replace the origin's.
        let swrOnly = EdgeOverride(mode: .respectOrigin, edgeTTL: nil, staleWhileRevalidate: 5)
        #expect(decide(origin, override: swrOnly) == .store(expected(60, .maxAge, swr: 5, sie: 600)))
        // They apply on a 404 too, where the TTL does not.
        #expect(decide(response(404, "max-age=60"), override: windows) == .store(expected(60, .maxAge, swr: 120, sie: 86_400)))
    }

    @Test("a rule's stale-while-revalidate keeps a zero-lifetime response without a validator")
    func ruleWindowKeepsZeroLifetime() {
        let windows = EdgeOverride(mode: .respectOrigin, edgeTTL: nil, staleWhileRevalidate: 60)
        #expect(decide(response(200, "max-age=0"), override: windows) == .store(expected(0, .maxAge, swr: 60)))
    }
}

@Suite("Retention")
struct RetentionTests {
    @Test("retention is the lifetime plus the longer stale window")
    func retention() {
        #expect(expected(60, .maxAge, swr: 30, sie: 600).retention == 660)
        #expect(expected(60, .maxAge, swr: 900, sie: 600).retention == 960)
        #expect(expected(60, .maxAge).retention == 60)
        #expect(expected(0, .maxAge, swr: 30).retention == 30)
    }

    @Test("must-revalidate keeps only the fresh time")
    func retentionMustRevalidate() {
        #expect(expected(60, .maxAge, swr: 30, sie: 600, mustRevalidate: true).retention == 60)
    }

    @Test("retention of decided responses")
    func retentionOfDecisions() {
        let plain = stored(decide(response(200, "max-age=60, stale-while-revalidate=30, stale-if-error=600")))
        #expect(plain?.retention == 660)
        let strict = stored(decide(response(200, "s-maxage=60, stale-while-revalidate=30, stale-if-error=600")))
        #expect(strict?.retention == 60)
        let rule = stored(
            decide(
                response(200, "s-maxage=60"),
                override: EdgeOverride(mode: .override, edgeTTL: 3600, staleWhileRevalidate: 60, staleIfError: 86_400)))
        #expect(rule?.retention == 90_000)
    }
}
