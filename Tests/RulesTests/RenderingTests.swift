import Testing
@testable import Rules

@Suite("Summary, explanation and Accept-Encoding")
struct RenderingTests {
    static let yaml = """
    origin: { url: "http://127.0.0.1:54321" }
    redis: { url: "redis://:hunter2@127.0.0.1:6379/0" }
    rules:
      - name: assets
        match: { path: "/assets/*" }
        cache: { edge_ttl: 365d, browser_ttl: 365d, immutable: true }
      - name: feed
        match: { path: "/feed*", methods: [GET, HEAD] }
        cache: { edge_ttl: 30s, browser_ttl: 10s, stale_while_revalidate: 60s, stale_if_error: 1d }
        limit: { per_ip: 100/min, burst: 20/s, key: "header:X-Api-Key", block: 10min }
        max_body: 1MiB
      - name: login
        match: { path: "/login" }
        cache: bypass
        compress: false
    """

    static func config() throws -> GatewayConfig { try loaded(yaml) }

    static func explain(_ method: String, _ uri: String, _ headers: [(String, String)] = []) throws -> String {
        let target = try #require(RequestTarget.parse(uri))
        return Explanation.render(
            config: try config(),
            request: RequestFacts(method: method, host: "example.com", path: target.path, query: target.query),
            headers: headers
        )
    }

    @Test func summaryListsTheSettingsAndOneLinePerRule() throws {
        let summary = RulesSummary.render(try Self.config())
        let lines = summary.split(separator: "\n").map(String.init)
        #expect(lines.contains("listen:      0.0.0.0:8080"))
        #expect(lines.contains { $0.hasPrefix("origin:") && $0.contains("http://127.0.0.1:54321") })
        #expect(lines.contains { $0.hasPrefix("redis:") && $0.contains("redis://:***@127.0.0.1:6379/0") })
        #expect(!summary.contains("hunter2"), "the Redis password never reaches the screen")
        #expect(lines.contains { $0.hasPrefix("cache:") && $0.contains("512MiB") && $0.contains("16MiB") })
        let assets = try #require(lines.first { $0.contains(" assets ") })
        #expect(assets.contains("/assets/*") && assets.contains("edge 365d, browser 365d, immutable"))
        let feed = try #require(lines.first { $0.contains(" feed ") })
        #expect(feed.contains("/feed* [GET, HEAD]"))
        #expect(feed.contains("limit 100/min per X-Api-Key header, burst 20/s, block 10min"))
        #expect(feed.contains("body 1MiB"))
        let login = try #require(lines.first { $0.contains(" login ") })
        #expect(login.contains("bypass") && login.contains("no compression"))
        #expect(lines.last?.contains("default") == true && lines.last?.contains("RFC 9111") == true)
        // The rule table's columns line up: each rule's paths start in the same column.
        #expect(assets.firstRange(of: "/assets/*")?.lowerBound.utf16Offset(in: assets) == feed.firstRange(of: "/feed*")?.lowerBound.utf16Offset(in: feed))
    }

    @Test func summaryOfAMemoryOnlyConfig() throws {
        let summary = RulesSummary.render(try loaded("origin: { url: \"http://127.0.0.1:1\" }\n"))
        #expect(summary.contains("memory only"))
        #expect(summary.contains("none: every request is cached by the origin's headers"))
    }

    @Test func explainsATTLRule() throws {
        let text = try Self.explain("GET", "/feed/home?cursor=2", [("Accept-Encoding", "gzip, br")])
        #expect(text.contains("request:     GET /feed/home?cursor=2"))
        #expect(text.contains("rule:        feed (rule 2 of 3, at 7:5)"))
        #expect(text.contains("cache:       stored for 30s at the edge, overriding the origin's Cache-Control"))
        #expect(text.contains("browser:     told to keep it 10s (max-age=10)"))
        #expect(text.contains("stale:       served up to 1min past its TTL"))
        #expect(text.contains("on error:    served up to 1d stale"))
        #expect(text.contains("limit:       100/min per X-Api-Key header (client IP when it is absent), sustained limit shared via Redis"))
        #expect(text.contains("burst:       20/s in memory on each instance"))
        #expect(text.contains("block:       once over the limit, refused for 10min"))
        #expect(text.contains("body:        up to 1MiB (this rule's max_body)"))
        #expect(text.contains("compression: br for text/*"))
    }

    @Test func explainsHeadAndUnsafeMethods() throws {
        let head = try Self.explain("HEAD", "/assets/app.js")
        #expect(head.contains("HEAD is answered from the GET entry"))
        #expect(head.contains("immutable: no revalidation while fresh"))

        let post = try Self.explain("POST", "/assets/app.js")
        #expect(post.contains("not cached: POST is an unsafe method and always goes to the origin; a success invalidates what is stored for this URL"))
        #expect(!post.contains("stored for 365d"))

        let options = try Self.explain("OPTIONS", "/assets/app.js")
        #expect(options.contains("not cached: OPTIONS goes to the origin"))
    }

    @Test func explainsBypassAndTheDefault() throws {
        let login = try Self.explain("GET", "/login", [("Accept-Encoding", "br")])
        #expect(login.contains("cache:       bypass: never stored, never served from cache"))
        #expect(login.contains("limit:       none"))
        #expect(login.contains("compression: off for this rule"))

        let other = try Self.explain("GET", "/about", [("accept-encoding", "gzip;q=0.5, identity;q=0.9")])
        #expect(other.contains("rule:        default: no rule matches"))
        #expect(other.contains("stored by the origin's headers per RFC 9111"))
        #expect(other.contains("body:        up to 1GiB (server.max_body)"))
        #expect(other.contains("compression: identity: the client weights it above br and gzip"), "identity q=0.9 beats gzip q=0.5")

        let deflate = try Self.explain("GET", "/about", [("Accept-Encoding", "deflate")])
        #expect(deflate.contains("compression: identity: neither br nor gzip is accepted (Accept-Encoding: deflate)"))
    }

    @Test func explainsAMemoryOnlyLimit() throws {
        let config = try loaded("origin: { url: \"http://127.0.0.1:1\" }\nrules: [{ name: a, match: { path: /a }, limit: { per_ip: 5/s } }]\n")
        let text = Explanation.render(config: config, request: RequestFacts(method: "GET", host: "", path: "/a", query: nil), headers: [])
        #expect(text.contains("limit:       5/s per client IP (IPv6 grouped by /64), per instance (memory only)"))
        #expect(text.contains("compression: identity: the request has no Accept-Encoding"))
    }

    @Test(arguments: [
        (nil, ContentCoding.identity),
        ("", .identity),
        ("gzip", .gzip),
        ("br", .brotli),
        ("gzip, br", .brotli),
        ("br;q=0.5, gzip", .gzip),
        ("br;q=1, gzip;q=1", .brotli),
        ("gzip;q=0.8, br;q=0.8, identity;q=0.8", .brotli),
        ("*", .brotli),
        ("*;q=0.5, gzip;q=0.6", .gzip),
        ("br;q=0, gzip;q=0", .identity),
        ("GZIP;Q=0.3, identity;q=0.2", .gzip),
        ("x-gzip", .gzip),
        ("deflate, compress", .identity),
        ("br;q=2, gzip", .gzip),
        ("br;q=0.1234, gzip;q=0.1", .gzip),
        (" br ; q=0.9 , gzip ; q=0.95 ", .gzip),
    ] as [(String?, ContentCoding)])
    func acceptEncodingPicksTheBestCoding(header: String?, coding: ContentCoding) {
        #expect(AcceptEncoding(header).preferred == coding)
    }

    @Test func acceptEncodingCanRefuseEverything() {
        #expect(AcceptEncoding("*;q=0").preferred == nil)
        #expect(AcceptEncoding("identity;q=0").preferred == nil)
        #expect(AcceptEncoding("*;q=0, identity").preferred == .identity)
        #expect(AcceptEncoding(headers: [("Accept-Encoding", "gzip;q=0.2"), ("ACCEPT-ENCODING", "br;q=0.4")]).preferred == .brotli)
        let weights = AcceptEncoding("br;q=0.5, gzip;q=0.25")
        #expect(weights.quality(of: .brotli) == 500)
        #expect(weights.quality(of: .gzip) == 250)
        #expect(weights.quality(of: .identity) == 1, "unnamed identity is acceptable but least wanted")
        #expect(AcceptEncoding("gzip;q=0.001").preferred == .gzip, "on a tie gzip beats the unnamed identity")
        #expect(AcceptEncoding("*;q=0.3").quality(of: .identity) == 300)
    }
}
