import Testing
@testable import Rules

/// The rules.yaml at the repository root is what operators run and copy: it must load and route the
/// feed app's paths as the production readiness document asks.
@Suite("The shipped rules.yaml")
struct ShippedRulesTests {
    static var rulesFile: String {
        // Tests/RulesTests/ShippedRulesTests.swift -> the repository root.
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/rules.yaml"
    }

    func load() throws -> GatewayConfig {
        switch ConfigLoader.load(file: Self.rulesFile) {
        case .success(let config): return config
        case .failure(let problems):
            Issue.record("rules.yaml has problems:\n\(problems.rendered(file: "rules.yaml"))")
            throw problems
        }
    }

    func decide(_ config: GatewayConfig, _ method: String, _ uri: String) throws -> Decision {
        let target = try #require(RequestTarget.parse(uri))
        return config.decide(RequestFacts(method: method, host: "feed.example", path: target.path, query: target.query))
    }

    @Test func loadsWithTheDocumentedSettings() throws {
        let config = try load()
        #expect(config.listen == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(config.admin == ListenAddress(host: "127.0.0.1", port: 9090))
        #expect(config.origin.url == OriginURL(host: "127.0.0.1", port: 54321))
        #expect(config.origin.connectTimeout == .seconds(2))
        #expect(config.origin.responseTimeout == .seconds(30))
        #expect(config.redis == nil, "memory only out of the box")
        #expect(config.cache == CacheConfig(memory: .mebibytes(512), maxObject: .mebibytes(16)))
        #expect(config.clients.trustedProxies.map(\.description) == ["127.0.0.0/8", "::1/128"])
        #expect(config.compression == CompressionConfig(brotliLevel: 5, gzipLevel: 6, minSize: .kibibytes(1)))
        #expect(config.server == ServerLimits())
        #expect(config.rules.map(\.name) == ["immutable-assets", "feed-api", "data-api", "auth"])
    }

    @Test func assetsAreImmutableForAYear() throws {
        let config = try load()
        let year = CachePolicy.ttl(CacheTTL(edgeTTL: .seconds(365 * 86_400), browserTTL: .seconds(365 * 86_400), immutable: true))
        for uri in ["/_app/immutable/entry/app.3f9a.js", "/assets/logo.svg", "/assets//img/../logo.svg?v=2"] {
            let decision = try decide(config, "GET", uri)
            #expect(decision.ruleName == "immutable-assets", "\(uri)")
            #expect(decision.cache == year)
            #expect(decision.limit == nil)
        }
    }

    @Test func theFeedIsCachedThirtySecondsWithStaleWindows() throws {
        let config = try load()
        for uri in ["/supabase/functions/feed-api", "/supabase/functions/feed-api?cursor=abc", "/supabase/functions/feed-api/home"] {
            let decision = try decide(config, "GET", uri)
            #expect(decision.ruleName == "feed-api", "\(uri)")
            #expect(decision.cache == .ttl(CacheTTL(
                edgeTTL: .seconds(30), browserTTL: .seconds(30), staleWhileRevalidate: .seconds(60), staleIfError: .seconds(86_400)
            )))
            #expect(decision.limit == LimitPolicy(sustained: Rate(count: 100, per: .minute)))
        }
    }

    @Test func theDataAPIIsNeverCachedAndLimited() throws {
        let config = try load()
        for (method, uri) in [("POST", "/rpc/get_feed"), ("GET", "/rest/v1/posts?select=*"), ("PATCH", "/rest/v1/posts?id=eq.1")] {
            let decision = try decide(config, method, uri)
            #expect(decision.ruleName == "data-api", "\(uri)")
            #expect(decision.cache == .bypass)
            #expect(decision.limit == LimitPolicy(sustained: Rate(count: 100, per: .minute), burst: Rate(count: 20, per: .second)))
        }
    }

    @Test func authIsNeverCachedAndTightlyLimited() throws {
        let config = try load()
        let decision = try decide(config, "POST", "/auth/v1/token?grant_type=password")
        #expect(decision.ruleName == "auth")
        #expect(decision.cache == .bypass)
        #expect(decision.limit == LimitPolicy(sustained: Rate(count: 20, per: .minute)))
    }

    @Test func everythingElseIsCachedByTheOriginsHeaders() throws {
        let config = try load()
        for uri in ["/", "/index.html", "/authorize", "/rpcx", "/supabase/functions/other"] {
            let decision = try decide(config, "GET", uri)
            #expect(decision.ruleName == "default", "\(uri)")
            #expect(decision.cache == .origin)
        }
    }

    @Test func dotSegmentsCannotDodgeALimit() throws {
        let config = try load()
        #expect(try decide(config, "POST", "/assets/../auth/v1/token").ruleName == "auth")
        #expect(try decide(config, "POST", "/%61uth/v1/token").ruleName == "auth")
    }

    @Test func rulesPointAtTheirLines() throws {
        let config = try load()
        let text = try #require(try? String(contentsOfFileAtPath: Self.rulesFile))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for rule in config.rules {
            let line = lines[rule.location.line - 1]
            #expect(line.contains("- name: \(rule.name)"), "rule \(rule.name) at \(rule.location)")
            #expect(rule.location.column == 5)
        }
    }
}
