import Testing

@testable import Rules

@Suite("Cache key policy")
struct CacheKeyPolicyTests {
    @Test("sorted, ignored and only shape the query the key sees")
    func keyQuery() {
        #expect(CacheKeyPolicy().keyQuery("b=2&a=1") == "b=2&a=1")
        #expect(CacheKeyPolicy(query: .none).keyQuery("b=2&a=1") == nil)
        #expect(CacheKeyPolicy(query: .sorted).keyQuery("b=2&a=1&a=0") == "a=1&a=0&b=2")
        #expect(CacheKeyPolicy(ignore: ["utm_source"]).keyQuery("utm_source=x&id=3") == "id=3")
        #expect(CacheKeyPolicy(ignore: ["utm_source"]).keyQuery("utm_source=x") == nil)
        #expect(CacheKeyPolicy(only: ["page"]).keyQuery("session=1&page=2&flag") == "page=2")
        #expect(CacheKeyPolicy(query: .sorted, ignore: ["fbclid"]).keyQuery("z&fbclid=1&y=2") == "y=2&z")
        #expect(CacheKeyPolicy().keyQuery(nil) == nil)
    }

    @Test("rules.yaml: cache.key loads, and its mistakes are reported with line and column")
    func parsing() throws {
        let good = """
            origin: { url: "http://127.0.0.1:54321" }
            rules:
              - name: feed
                match: { path: "/feed" }
                cache: { edge_ttl: 30s, key: { query: sorted, ignore: [utm_source, fbclid] } }
            """
        let config = try loaded(good)
        guard case .ttl(let ttl) = config.rules[0].cache else {
            Issue.record("expected a TTL policy")
            return
        }
        #expect(ttl.key == CacheKeyPolicy(query: .sorted, ignore: ["utm_source", "fbclid"]))

        let bad = """
            origin: { url: "http://127.0.0.1:54321" }
            rules:
              - name: feed
                match: { path: "/feed" }
                cache: { edge_ttl: 30s, key: { query: sort, only: [page], ignore: [x], hash: [a] } }
            """
        let found = problems(bad).map(\.description)
        #expect(found.contains { $0.hasPrefix("5:43: cache.key.query \"sort\"") && $0.contains("did you mean sorted?") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("5:55: cache.key: give only or ignore, not both") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("5:76: unknown key `hash`") }, "\(found)")
    }
}
