import Testing
@testable import Rules

@Suite("Path globs, host patterns and rule precedence")
struct MatchingTests {
    @Test(arguments: [
        ("/assets/*", "/assets/app.js", true),
        ("/assets/*", "/assets/", true),
        ("/assets/*", "/assets/img/logo.svg", true),
        ("/assets/*", "/assets", false),
        ("/assets/*", "/Assets/app.js", false),
        ("/assets/*", "/x/assets/app.js", false),
        ("/supabase/functions/feed-api*", "/supabase/functions/feed-api", true),
        ("/supabase/functions/feed-api*", "/supabase/functions/feed-api/v2", true),
        ("/supabase/functions/feed-api*", "/supabase/functions/feed", false),
        ("/", "/", true),
        ("/", "/a", false),
        ("/exact", "/exact", true),
        ("/exact", "/exact/", false),
        ("/*", "/", true),
        ("/*", "/anything/at/all", true),
        ("*", "/x", true),
        ("/*.js", "/a/b/c.js", true),
        ("/*.js", "/a/b/c.json", false),
        ("/a/*/c", "/a/b/c", true),
        ("/a/*/c", "/a/b/x/c", true),
        ("/a/*/c", "/a/c", false),
        ("/a/*/*/d", "/a/b/c/d", true),
        ("/a/*/*/d", "/a/b/d", false),
        ("/a*a*a", "/aa", false),
        ("/a*a*a", "/aaa", true),
        ("/a*a*a", "/aXa", false),
        ("/a*a*a", "/aXaYa", true),
        ("/a*b*c", "/acb", false),
        ("/a*b*c", "/a-c-b-c", true),
        ("/ab*ab", "/ab", false),
        ("/ab*ab", "/abab", true),
        ("/**", "/x", true),
        ("/caf%C3%A9/*", "/caf%C3%A9/x", true),
    ])
    func globs(pattern: String, path: String, matches: Bool) {
        #expect(PathPattern(pattern).matches(path) == matches)
    }

    @Test(arguments: [
        ("example.com", "example.com", true),
        ("example.com", "EXAMPLE.com", true),
        ("example.com", "example.com:8080", true),
        ("example.com", "example.com.", true),
        ("example.com", "www.example.com", false),
        ("example.com", "example.co", false),
        ("*.example.com", "www.example.com", true),
        ("*.example.com", "a.b.example.com", true),
        ("*.example.com", "WWW.Example.COM:443", true),
        ("*.example.com", "example.com", false),
        ("*.example.com", "badexample.com", false),
        ("*.example.com", ".example.com", false),
        ("::1", "[::1]:8080", true),
        ("::1", "[::1]", true),
        ("127.0.0.1", "127.0.0.1:8080", true),
    ])
    func hosts(pattern: String, host: String, matches: Bool) {
        #expect(HostPattern(pattern).matches(host) == matches)
    }

    static let config = GatewayConfig(
        origin: OriginConfig(url: OriginURL(host: "127.0.0.1", port: 54321)),
        server: ServerLimits(maxBodyBytes: .mebibytes(64)),
        rules: [
            Rule(name: "admin-host", match: RuleMatch(paths: [PathPattern("/*")], hosts: [HostPattern("admin.example.com")]), cache: .bypass),
            Rule(
                name: "uploads", match: RuleMatch(paths: [PathPattern("/api/*")], methods: ["POST", "PUT"]),
                cache: .bypass, maxBody: .mebibytes(10)
            ),
            Rule(
                name: "api", match: RuleMatch(paths: [PathPattern("/api/*")]),
                cache: .ttl(CacheTTL(edgeTTL: .seconds(30))), limit: LimitPolicy(sustained: Rate(count: 100, per: .minute)),
                compress: false
            ),
            Rule(name: "api-v2", match: RuleMatch(paths: [PathPattern("/api/v2/*")]), cache: .bypass),
        ]
    )

    func decide(_ method: String, _ path: String, host: String = "example.com") -> Decision {
        Self.config.decide(RequestFacts(method: method, host: host, path: path, query: nil))
    }

    @Test func firstMatchWins() {
        let decision = decide("GET", "/api/v2/items")
        #expect(decision.ruleName == "api", "api is listed before api-v2 and matches too")
        #expect(decision.ruleIndex == 2)
        #expect(decision.cache == .ttl(CacheTTL(edgeTTL: .seconds(30))))
        #expect(decision.limit?.sustained == Rate(count: 100, per: .minute))
        #expect(decision.compress == false)
    }

    @Test func methodsRestrictARule() {
        #expect(decide("POST", "/api/items").ruleName == "uploads")
        #expect(decide("PUT", "/api/items").ruleName == "uploads")
        #expect(decide("GET", "/api/items").ruleName == "api")
        #expect(decide("DELETE", "/api/items").ruleName == "api")
    }

    @Test func aRuleForGETAlsoTakesHEAD() {
        let config = GatewayConfig(
            origin: OriginConfig(url: OriginURL(host: "127.0.0.1", port: 1)),
            rules: [Rule(name: "get", match: RuleMatch(paths: [PathPattern("/*")], methods: ["GET"]), cache: .bypass)]
        )
        #expect(config.decide(RequestFacts(method: "HEAD", host: "", path: "/a", query: nil)).ruleName == "get")
        #expect(config.decide(RequestFacts(method: "POST", host: "", path: "/a", query: nil)).ruleName == "default")
        let head = Rule(name: "head", match: RuleMatch(paths: [PathPattern("/a")], methods: ["HEAD"]))
        #expect(config.rules[0].matchesEverything(of: head))
        #expect(!head.matchesEverything(of: config.rules[0]))
    }

    @Test func hostsRestrictARule() {
        #expect(decide("GET", "/api/items", host: "admin.example.com").ruleName == "admin-host")
        #expect(decide("GET", "/anything", host: "admin.example.com:8443").ruleName == "admin-host")
        #expect(decide("GET", "/api/items", host: "www.example.com").ruleName == "api")
    }

    @Test func maxBodyFallsBackToTheServerLimit() {
        #expect(decide("POST", "/api/upload").maxBody == .mebibytes(10))
        #expect(decide("GET", "/api/items").maxBody == .mebibytes(64))
    }

    @Test func noMatchGetsTheDefault() {
        let decision = decide("GET", "/index.html")
        #expect(decision.ruleName == "default")
        #expect(decision.ruleIndex == nil)
        #expect(decision.cache == .origin)
        #expect(decision.limit == nil)
        #expect(decision.maxBody == .mebibytes(64))
        #expect(decision.compress == true)
    }

    @Test func shadowingIsDetectedOnlyWhenComplete() {
        let all = Rule(name: "all", match: RuleMatch(paths: [PathPattern("/*")]))
        let assets = Rule(name: "assets", match: RuleMatch(paths: [PathPattern("/assets/*"), PathPattern("/_app/*")]))
        let img = Rule(name: "img", match: RuleMatch(paths: [PathPattern("/assets/img/*")]))
        let getAssets = Rule(name: "get", match: RuleMatch(paths: [PathPattern("/assets/*")], methods: ["GET"]))
        let hostAssets = Rule(name: "host", match: RuleMatch(paths: [PathPattern("/assets/*")], hosts: [HostPattern("a.example")]))
        let js = Rule(name: "js", match: RuleMatch(paths: [PathPattern("/*.js")]))
        #expect(all.matchesEverything(of: assets))
        #expect(assets.matchesEverything(of: img))
        #expect(!img.matchesEverything(of: assets))
        #expect(assets.matchesEverything(of: getAssets))
        #expect(!getAssets.matchesEverything(of: assets), "a method restriction lets other methods through")
        #expect(!hostAssets.matchesEverything(of: assets), "a host restriction lets other hosts through")
        #expect(assets.matchesEverything(of: hostAssets))
        #expect(!js.matchesEverything(of: assets))
        #expect(!assets.matchesEverything(of: js))
    }
}
