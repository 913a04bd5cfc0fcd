import CacheSemantics
import Testing

/// The boolean directives that are set, by their wire name.
private func flags(_ cc: CacheControl) -> Set<String> {
    var set = Set<String>()
    if cc.noStore { set.insert("no-store") }
    if cc.noCache { set.insert("no-cache") }
    if cc.isPrivate { set.insert("private") }
    if cc.isPublic { set.insert("public") }
    if cc.mustRevalidate { set.insert("must-revalidate") }
    if cc.proxyRevalidate { set.insert("proxy-revalidate") }
    if cc.immutable { set.insert("immutable") }
    if cc.noTransform { set.insert("no-transform") }
    if cc.mustUnderstand { set.insert("must-understand") }
    if cc.onlyIfCached { set.insert("only-if-cached") }
    return set
}

@Suite("Cache-Control parsing (RFC 9111 5.2)")
struct CacheControlTests {
    @Test("an empty header has no directives")
    func empty() {
        let cc = CacheControl("")
        #expect(cc.isEmpty)
        #expect(cc == CacheControl())
        #expect(cc.maxAge == nil)
        #expect(cc.sharedMaxAge == nil)
        #expect(flags(cc).isEmpty)
        #expect(CacheControl(values: [String]()).isEmpty)
    }

    @Test(
        "each boolean directive sets exactly its own flag",
        arguments: [
            "no-store", "no-cache", "private", "public", "must-revalidate", "proxy-revalidate", "immutable", "no-transform",
            "must-understand", "only-if-cached",
        ]
    )
    func booleanDirective(name: String) {
        let cc = CacheControl(name)
        #expect(flags(cc) == [name])
        #expect(cc.maxAge == nil)
        #expect(cc.sharedMaxAge == nil)
        #expect(!cc.isEmpty)
    }

    @Test("delta-seconds directives read their argument")
    func deltaSeconds() {
        #expect(CacheControl("max-age=60").maxAge == 60)
        #expect(CacheControl("max-age=0").maxAge == 0)
        #expect(CacheControl("s-maxage=120").sharedMaxAge == 120)
        #expect(CacheControl("stale-while-revalidate=30").staleWhileRevalidate == 30)
        #expect(CacheControl("stale-if-error=600").staleIfError == 600)
        #expect(CacheControl("max-stale=5").maxStale == 5)
        #expect(CacheControl("min-fresh=7").minFresh == 7)
        // Each directive only sets its own field.
        let swr = CacheControl("stale-while-revalidate=30")
        #expect(swr.maxAge == nil)
        #expect(swr.staleIfError == nil)
        #expect(flags(swr).isEmpty)
    }

    @Test("max-stale without a value accepts any staleness")
    func maxStaleWithoutValue() {
        #expect(CacheControl("max-stale").maxStale == Int64.max)
        #expect(CacheControl("max-stale=abc").maxStale == Int64.max)
    }

    @Test("a malformed argument makes other delta-seconds directives absent")
    func malformedOtherDirectivesAbsent() {
        #expect(CacheControl("stale-while-revalidate").staleWhileRevalidate == nil)
        #expect(CacheControl("stale-while-revalidate=soon").staleWhileRevalidate == nil)
        #expect(CacheControl("stale-if-error=-1").staleIfError == nil)
        #expect(CacheControl("stale-if-error=1.5").staleIfError == nil)
        #expect(CacheControl("min-fresh=").minFresh == nil)
    }

    @Test(
        "an invalid max-age means already stale (RFC 9111 4.2.1)",
        arguments: ["max-age=abc", "max-age=-5", "max-age=", "max-age", "max-age=1.5", "max-age=+60", "max-age=6 0", "max-age=0x10"]
    )
    func invalidMaxAge(header: String) {
        #expect(CacheControl(header).maxAge == 0)
    }

    @Test("an invalid s-maxage is also treated as stale")
    func invalidSharedMaxAge() {
        #expect(CacheControl("s-maxage=later").sharedMaxAge == 0)
        #expect(CacheControl("s-maxage").sharedMaxAge == 0)
    }

    @Test(
        "delta-seconds past 2^31 are capped at 2147483648 (RFC 9111 1.2.2)",
        arguments: [
            ("max-age=2147483647", Int64(2_147_483_647)),
            ("max-age=2147483648", 2_147_483_648),
            ("max-age=2147483649", 2_147_483_648),
            ("max-age=9999999999", 2_147_483_648),
            ("max-age=99999999999", 2_147_483_648),
            ("max-age=99999999999999999999999999999999", 2_147_483_648),
        ]
    )
    func hugeMaxAge(header: String, expected: Int64) {
        #expect(CacheControl(header).maxAge == expected)
    }

    @Test("the cap applies to every delta-seconds directive")
    func hugeOtherDirectives() {
        let cc = CacheControl(
            "s-maxage=123456789012345, stale-while-revalidate=123456789012345, stale-if-error=123456789012345, max-stale=123456789012345, min-fresh=123456789012345"
        )
        #expect(cc.sharedMaxAge == 2_147_483_648)
        #expect(cc.staleWhileRevalidate == 2_147_483_648)
        #expect(cc.staleIfError == 2_147_483_648)
        #expect(cc.maxStale == 2_147_483_648)
        #expect(cc.minFresh == 2_147_483_648)
    }

    @Test("leading zeros do not make a small delta-seconds look huge")
    func leadingZeros() {
        #expect(CacheControl("max-age=060").maxAge == 60)
        #expect(CacheControl("max-age=00000000060").maxAge == 60)
        #expect(CacheControl("s-maxage=0000000000000000").sharedMaxAge == 0)
        #expect(CacheControl("max-age=000000000002147483649").maxAge == 2_147_483_648)
    }

    @Test("directives from several header lines and one comma list combine")
    func severalValues() {
        let cc = CacheControl(values: ["public, max-age=60", "s-maxage=120", "stale-while-revalidate=30, stale-if-error=600, must-revalidate"])
        #expect(cc.isPublic)
        #expect(cc.maxAge == 60)
        #expect(cc.sharedMaxAge == 120)
        #expect(cc.staleWhileRevalidate == 30)
        #expect(cc.staleIfError == 600)
        #expect(cc.mustRevalidate)
        #expect(flags(cc) == ["public", "must-revalidate"])
    }

    @Test("Substring values are accepted, as they come from a header list")
    func substringValues() {
        let line = "x, no-store, max-age=5"
        let cc = CacheControl(values: [line.dropFirst(3)])
        #expect(cc.noStore)
        #expect(cc.maxAge == 5)
    }

    @Test("quoted arguments are unquoted")
    func quotedArguments() {
        #expect(CacheControl("max-age=\"60\"").maxAge == 60)
        #expect(CacheControl("s-maxage=\"30\", stale-if-error=\"90\"").sharedMaxAge == 30)
        #expect(CacheControl("s-maxage=\"30\", stale-if-error=\"90\"").staleIfError == 90)
        // An unbalanced quote is not a quoted-string: the argument is not digits.
        #expect(CacheControl("max-age=\"60").maxAge == 0)
    }

    @Test("commas inside a quoted string do not split directives")
    func commasInsideQuotes() {
        let cc = CacheControl("no-cache=\"set-cookie, max-age\", private=\"authorization,s-maxage=9\", max-age=5")
        #expect(cc.noCache)
        #expect(cc.isPrivate)
        #expect(cc.maxAge == 5)
        #expect(cc.sharedMaxAge == nil)
        #expect(flags(cc) == ["no-cache", "private"])
    }

    @Test("a quoted string may hide what looks like a directive")
    func quotedNotADirective() {
        let cc = CacheControl("community=\"no-store, max-age=1\"")
        #expect(!cc.noStore)
        #expect(cc.maxAge == nil)
        #expect(cc.isEmpty)
    }

    @Test("no-cache with field names is whole no-cache")
    func noCacheWithFieldNames() {
        let single = CacheControl("no-cache=set-cookie")
        #expect(single.noCache)
        #expect(flags(single) == ["no-cache"])
        let list = CacheControl("no-cache=\"set-cookie, x-session\"")
        #expect(list.noCache)
        #expect(flags(list) == ["no-cache"])
    }

    @Test("directive names are case-insensitive")
    func caseInsensitive() {
        let cc = CacheControl("MAX-AGE=60, No-Store, PUBLIC, S-MaxAge=7, Stale-While-Revalidate=3, STALE-IF-ERROR=4, Must-Revalidate")
        #expect(cc.maxAge == 60)
        #expect(cc.sharedMaxAge == 7)
        #expect(cc.staleWhileRevalidate == 3)
        #expect(cc.staleIfError == 4)
        #expect(flags(cc) == ["no-store", "public", "must-revalidate"])
    }

    @Test("unknown directives are ignored")
    func unknownIgnored() {
        let cc = CacheControl("foo, bar=baz, community=\"UCI\", max-age=10, x-custom=\"a,b\"")
        var expected = CacheControl()
        expected.maxAge = 10
        #expect(cc == expected)
        #expect(CacheControl("foo, bar=1").isEmpty)
    }

    @Test("whitespace, tabs and empty list members are tolerated")
    func whitespaceAndEmptyMembers() {
        let cc = CacheControl(" , max-age=10 ,, \tpublic\t, ,")
        var expected = CacheControl()
        expected.maxAge = 10
        expected.isPublic = true
        #expect(cc == expected)
    }

    @Test("a repeated max-age or s-maxage uses the first occurrence (RFC 9111 4.2.1)")
    func repeatedDirectiveFirstWins() {
        #expect(CacheControl("max-age=60, max-age=31536000").maxAge == 60)
        #expect(CacheControl(values: ["max-age=0", "max-age=3600"]).maxAge == 0)
        #expect(CacheControl("s-maxage=10, s-maxage=99999").sharedMaxAge == 10)
        // An invalid first occurrence still counts: stale.
        #expect(CacheControl("max-age=soon, max-age=3600").maxAge == 0)
    }
}
