import Gateway
import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import RawStructuredFieldValues
import Testing

/// End-to-end cache behaviour: the real gateway against a scripted origin that counts what reaches it,
/// with a manual wall clock for time (no sleeping to make things stale).
@Suite("HTTP cache: the application's rules")
struct CacheApplicationTests {
    static let rules = """
        rules:
          - name: immutable-assets
            match: { path: ["/_app/*", "/assets/*"] }
            cache: { edge_ttl: 365d, browser_ttl: 365d, immutable: true }
          - name: feed-api
            match: { path: "/supabase/functions/feed-api*" }
            cache: { edge_ttl: 30s, browser_ttl: 30s, stale_while_revalidate: 60s, stale_if_error: 1d }
          - name: data-api
            match: { path: ["/rpc/*", "/rest/*"] }
            cache: bypass

        """

    @Test("an immutable asset is served from cache for a year, then fetched again")
    func assetForAYear() async throws {
        let clock = ManualWallClock()
        let edge = try await EdgeHarness.start(yaml: Self.rules, clock: clock) { _ in
            .text(String(repeating: "js", count: 500), headers: ["content-type": "application/javascript"])
        }
        try await edge.run { edge in
            let first = try await edge.request(.GET, "/_app/immutable/app.123.js")
            #expect(first.statusCode == 200)
            #expect(first.header("x-cache") == "MISS")
            #expect(first.header("cache-status") == "edge-gateway; fwd=miss; fwd-status=200; stored; ttl=31536000; detail=rule")
            #expect(first.header("cache-control") == "public, max-age=31536000, immutable")

            clock.advance(by: 364 * 86_400)
            let later = try await edge.request(.GET, "/_app/immutable/app.123.js")
            #expect(later.header("x-cache") == "HIT")
            #expect(later.header("age") == String(364 * 86_400))
            #expect(later.header("cache-control") == "public, max-age=31536000, immutable")
            #expect(later.bodyString == first.bodyString)
            #expect(edge.origin.requestCount == 1)

            clock.advance(by: 2 * 86_400)
            let expired = try await edge.request(.GET, "/_app/immutable/app.123.js")
            #expect(expired.header("x-cache") == "EXPIRED")
            #expect(edge.origin.requestCount == 2)
        }
    }

    @Test("the feed: cached 30 s, 304 on If-None-Match, then stale-while-revalidate with one refresh")
    func feed() async throws {
        let clock = ManualWallClock()
        let edge = try await EdgeHarness.start(yaml: Self.rules, clock: clock) { request in
            let headers: HTTPHeaders = ["etag": "\"feed-1\"", "cache-control": "public, max-age=30, stale-while-revalidate=60"]
            if request.headers.first(name: "if-none-match") == "\"feed-1\"" {
                return OriginReply(status: .notModified, headers: headers)
            }
            return .json(#"{"items":[1,2,3]}"#, headers: headers)
        }
        try await edge.run { edge in
            let path = "/supabase/functions/feed-api"
            let first = try await edge.request(.GET, path)
            #expect(first.header("x-cache") == "MISS")
            #expect(first.header("etag") == "\"feed-1\"")

            let conditional = try await edge.request(.GET, path, headers: [("if-none-match", "\"feed-1\"")])
            #expect(conditional.statusCode == 304)
            #expect(conditional.header("x-cache") == "HIT")
            #expect(conditional.bodyLength == 0)
            #expect(edge.origin.requestCount == 1)

            clock.advance(by: 31)
            let stale = try await edge.request(.GET, path)
            #expect(stale.statusCode == 200)
            #expect(stale.header("x-cache") == "UPDATING")
            #expect(stale.header("age") == "31")
            #expect(stale.bodyString == #"{"items":[1,2,3]}"#)
            let again = try await edge.request(.GET, path)
            #expect(["UPDATING", "HIT"].contains(again.header("x-cache")))

            // One background refresh, conditional, answered 304.
            for _ in 0..<100 where edge.origin.requestCount < 2 { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(50))
            #expect(edge.origin.requestCount == 2)
            #expect(edge.origin.requests.last?.headers.first(name: "if-none-match") == "\"feed-1\"")
            let refreshed = try await edge.request(.GET, path)
            #expect(refreshed.header("x-cache") == "HIT")
            #expect(refreshed.header("age") == "0")
            #expect(edge.origin.requestCount == 2)
        }
    }

    @Test("1,000 concurrent cold requests for the feed make one origin request")
    func thousandColdRequests() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.rules) { _ in
            OriginReply(
                status: .ok, headers: ["content-type": "application/json", "cache-control": "public, max-age=30"],
                body: .bytes(ByteBuffer(string: #"{"feed":true}"#)), delay: .milliseconds(50)
            )
        }
        try await edge.run { edge in
            let statuses = try await withThrowingTaskGroup(of: (UInt, String?).self) { group in
                for _ in 0..<1000 {
                    group.addTask {
                        let response = try await edge.request(.GET, "/supabase/functions/feed-api", timeout: 30)
                        return (response.statusCode, response.header("x-cache"))
                    }
                }
                var results: [(UInt, String?)] = []
                for try await result in group { results.append(result) }
                return results
            }
            #expect(statuses.count == 1000)
            #expect(statuses.allSatisfy { $0.0 == 200 })
            #expect(edge.origin.requestCount == 1)
            #expect(statuses.filter { $0.1 == "MISS" }.count >= 1)
        }
    }

    @Test("a bypass rule never stores and says so")
    func bypass() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.rules) { _ in .json("[]", headers: ["cache-control": "public, max-age=600"]) }
        try await edge.run { edge in
            for _ in 0..<3 {
                let response = try await edge.request(.GET, "/rest/v1/posts")
                #expect(response.header("x-cache") == "BYPASS")
                #expect(response.header("cache-status") == "edge-gateway; fwd=bypass; fwd-status=200; detail=rule")
            }
            #expect(edge.origin.requestCount == 3)
        }
    }
}

@Suite("HTTP cache: RFC 9111 by the origin's headers")
struct CacheSemanticsEndToEndTests {
    /// Every request here matches no rule: the gateway caches exactly as RFC 9111 lets a shared cache.
    func edge(clock: ManualWallClock = ManualWallClock(), _ reply: @escaping @Sendable (RecordedRequest) -> OriginReply) async throws -> EdgeHarness {
        try await EdgeHarness.start(clock: clock, responder: reply)
    }

    func twice(_ edge: EdgeHarness, _ path: String = "/r", headers: [(String, String)] = []) async throws -> (TestResponse, TestResponse) {
        (try await edge.request(.GET, path, headers: headers), try await edge.request(.GET, path, headers: headers))
    }

    @Test("max-age is honoured; s-maxage wins over max-age")
    func maxAges() async throws {
        let clock = ManualWallClock()
        let edge = try await self.edge(clock: clock) { _ in .text("x", headers: ["cache-control": "max-age=5, s-maxage=100"]) }
        try await edge.run { edge in
            _ = try await self.twice(edge)
            clock.advance(by: 50)
            let hit = try await edge.request(.GET, "/r")
            #expect(hit.header("x-cache") == "HIT")
            #expect(hit.header("cache-status") == "edge-gateway; hit; ttl=50; detail=s-maxage")
            #expect(edge.origin.requestCount == 1)
        }
    }

    @Test("private, no-store and Set-Cookie responses are never stored", arguments: [
        ["cache-control": "private, max-age=60"], ["cache-control": "no-store"], ["cache-control": "max-age=60", "set-cookie": "session=abc"],
    ])
    func notStored(headers: [String: String]) async throws {
        let edge = try await self.edge { _ in .text("personal", headers: HTTPHeaders(headers.map { ($0.key, $0.value) })) }
        try await edge.run { edge in
            let (first, second) = try await self.twice(edge)
            #expect(first.header("x-cache") == "DYNAMIC")
            #expect(second.header("x-cache") == "DYNAMIC")
            #expect(first.header("cache-status")?.contains("detail=") == true)
            #expect(edge.origin.requestCount == 2)
        }
    }

    @Test("no-cache is stored but validated with the origin every time")
    func noCache() async throws {
        let edge = try await self.edge { request in
            let headers: HTTPHeaders = ["cache-control": "no-cache", "etag": "\"v1\""]
            if request.headers.first(name: "if-none-match") == "\"v1\"" { return OriginReply(status: .notModified, headers: headers) }
            return .text("body", headers: headers)
        }
        try await edge.run { edge in
            let (first, second) = try await self.twice(edge)
            #expect(first.header("x-cache") == "MISS")
            #expect(second.header("x-cache") == "REVALIDATED")
            #expect(second.bodyString == "body")
            #expect(edge.origin.requestCount == 2)
            #expect(edge.origin.requests[1].headers.first(name: "if-none-match") == "\"v1\"")
        }
    }

    @Test("a 304 from the origin refreshes the stored headers without a new body")
    func revalidationUpdatesHeaders() async throws {
        let clock = ManualWallClock()
        let edge = try await self.edge(clock: clock) { request in
            if request.headers.first(name: "if-none-match") == "\"v1\"" {
                return OriginReply(status: .notModified, headers: ["cache-control": "max-age=10", "etag": "\"v1\"", "x-version": "2"])
            }
            return .text("body", headers: ["cache-control": "max-age=10", "etag": "\"v1\"", "x-version": "1"])
        }
        try await edge.run { edge in
            _ = try await edge.request(.GET, "/r")
            clock.advance(by: 11)
            let revalidated = try await edge.request(.GET, "/r")
            #expect(revalidated.header("x-cache") == "REVALIDATED")
            #expect(revalidated.header("x-version") == "2")
            #expect(revalidated.bodyString == "body")
            let hit = try await edge.request(.GET, "/r")
            #expect(hit.header("x-cache") == "HIT")
            #expect(hit.header("x-version") == "2")
            #expect(edge.origin.requestCount == 2)
        }
    }

    @Test("stale-if-error serves the stale entry when the origin fails; must-revalidate forbids it")
    func staleIfError() async throws {
        let clock = ManualWallClock()
        let edge = try await self.edge(clock: clock) { request in
            if request.path == "/sie" && request.headers.contains(name: "if-none-match") {
                return .text("down", status: .serviceUnavailable)
            }
            if request.path == "/mr" && request.headers.contains(name: "if-none-match") {
                return .text("down", status: .serviceUnavailable)
            }
            let cc = request.path == "/sie" ? "max-age=10, stale-if-error=600" : "max-age=10, stale-if-error=600, must-revalidate"
            return .text("good", headers: ["cache-control": cc, "etag": "\"e\""])
        }
        try await edge.run { edge in
            _ = try await edge.request(.GET, "/sie")
            _ = try await edge.request(.GET, "/mr")
            clock.advance(by: 60)
            let stale = try await edge.request(.GET, "/sie")
            #expect(stale.statusCode == 200)
            #expect(stale.bodyString == "good")
            #expect(stale.header("x-cache") == "STALE")
            #expect(stale.header("cache-status") == "edge-gateway; fwd=stale; fwd-status=503; ttl=-50; detail=stale-if-error")
            let strict = try await edge.request(.GET, "/mr")
            #expect(strict.statusCode == 503)
            #expect(
                edge.origin.requestCount == 4,
                "\(edge.origin.requests.map { "\($0.method) \($0.uri) inm=\($0.headers.first(name: "if-none-match") ?? "-") conn=\($0.connectionNumber)" })"
            )
        }
    }

    @Test("stale-if-error covers an origin that is down altogether")
    func staleWhenOriginDown() async throws {
        let clock = ManualWallClock()
        let edge = try await self.edge(clock: clock) { _ in .text("good", headers: ["cache-control": "max-age=10, stale-if-error=600"]) }
        try await edge.run { edge in
            _ = try await edge.request(.GET, "/r")
            await edge.origin.stop()
            clock.advance(by: 20)
            let stale = try await edge.request(.GET, "/r")
            #expect(stale.statusCode == 200)
            #expect(stale.header("x-cache") == "STALE")
        }
    }

    @Test("Vary: * is never reused; Vary selects variants by the named request headers")
    func vary() async throws {
        let edge = try await self.edge { request in
            if request.path == "/star" { return .text("x", headers: ["cache-control": "max-age=60", "vary": "*"]) }
            let language = request.headers.first(name: "accept-language") ?? "none"
            return .text("for \(language)", headers: ["cache-control": "max-age=60", "vary": "Accept-Language"])
        }
        try await edge.run { edge in
            _ = try await self.twice(edge, "/star")
            #expect(edge.origin.requests(path: "/star").count == 2)

            let english = try await edge.request(.GET, "/v", headers: [("accept-language", "en-US")])
            let englishAgain = try await edge.request(.GET, "/v", headers: [("accept-language", "EN-us")])
            let french = try await edge.request(.GET, "/v", headers: [("accept-language", "fr")])
            let none = try await edge.request(.GET, "/v")
            #expect(english.header("x-cache") == "MISS")
            #expect(englishAgain.header("x-cache") == "HIT")
            #expect(englishAgain.bodyString == "for en-US")
            #expect(french.header("x-cache") == "MISS")
            #expect(french.bodyString == "for fr")
            #expect(none.header("x-cache") == "MISS")
            #expect(edge.origin.requests(path: "/v").count == 3)
        }
    }

    @Test("a request with Authorization is shared only when the response allows it")
    func authorization() async throws {
        let edge = try await self.edge { request in
            let cc = request.path == "/public" ? "public, max-age=60" : "max-age=60"
            return .text("for \(request.headers.first(name: "authorization") ?? "anonymous")", headers: ["cache-control": cc])
        }
        try await edge.run { edge in
            let alice = try await edge.request(.GET, "/private", headers: [("authorization", "Bearer alice")])
            let bob = try await edge.request(.GET, "/private", headers: [("authorization", "Bearer bob")])
            #expect(alice.bodyString == "for Bearer alice")
            #expect(bob.bodyString == "for Bearer bob")
            #expect(edge.origin.requests(path: "/private").count == 2)

            _ = try await edge.request(.GET, "/public", headers: [("authorization", "Bearer alice")])
            let shared = try await edge.request(.GET, "/public", headers: [("authorization", "Bearer bob")])
            #expect(shared.header("x-cache") == "HIT")
            #expect(edge.origin.requests(path: "/public").count == 1)
        }
    }

    @Test("heuristic freshness only from Last-Modified, and only where RFC 9111 allows")
    func heuristic() async throws {
        let clock = ManualWallClock(1_700_000_000)
        let edge = try await self.edge(clock: clock) { request in
            if request.path == "/lm" {
                return .text("old", headers: ["date": "Tue, 14 Nov 2023 22:13:20 GMT", "last-modified": "Sat, 04 Nov 2023 22:13:20 GMT"])
            }
            return .text("no validators")
        }
        try await edge.run { edge in
            let (first, second) = try await self.twice(edge, "/lm")
            #expect(first.header("cache-status") == "edge-gateway; fwd=miss; fwd-status=200; stored; ttl=86400; detail=heuristic")
            #expect(second.header("x-cache") == "HIT")
            let (plain1, plain2) = try await self.twice(edge, "/plain")
            #expect(plain1.header("x-cache") == "DYNAMIC")
            #expect(plain2.header("x-cache") == "DYNAMIC")
            #expect(edge.origin.requests(path: "/lm").count == 1)
            #expect(edge.origin.requests(path: "/plain").count == 2)
        }
    }

    @Test("HEAD is served from the GET entry; a HEAD miss is fetched as GET and stored")
    func headFromGet() async throws {
        let edge = try await self.edge { _ in .text("0123456789", headers: ["cache-control": "max-age=60"]) }
        try await edge.run { edge in
            try await edge.withConnection { connection in
                let head = try await connection.request(.HEAD, "/h")
                #expect(head.statusCode == 200)
                #expect(head.bodyLength == 0)
                #expect(head.header("content-length") == "10")
                let get = try await connection.request(.GET, "/h")
                #expect(get.header("x-cache") == "HIT")
                #expect(get.bodyString == "0123456789")
                let head2 = try await connection.request(.HEAD, "/h")
                #expect(head2.header("x-cache") == "HIT")
                #expect(head2.bodyLength == 0)
            }
            #expect(edge.origin.requests.map(\.method) == [.GET])
        }
    }

    @Test("a single byte range is served 206 from a stored object, 416 when unsatisfiable")
    func ranges() async throws {
        let edge = try await self.edge { _ in .text("0123456789", headers: ["cache-control": "max-age=60"]) }
        try await edge.run { edge in
            _ = try await edge.request(.GET, "/r")
            let partial = try await edge.request(.GET, "/r", headers: [("range", "bytes=2-5")])
            #expect(partial.statusCode == 206)
            #expect(partial.bodyString == "2345")
            #expect(partial.header("content-range") == "bytes 2-5/10")
            let suffix = try await edge.request(.GET, "/r", headers: [("range", "bytes=-3")])
            #expect(suffix.bodyString == "789")
            let bad = try await edge.request(.GET, "/r", headers: [("range", "bytes=50-60")])
            #expect(bad.statusCode == 416)
            #expect(bad.header("content-range") == "bytes */10")
            #expect(edge.origin.requestCount == 1)
        }
    }

    @Test("If-Modified-Since is answered 304 from the cache")
    func ifModifiedSince() async throws {
        let edge = try await self.edge { _ in
            .text("x", headers: ["cache-control": "max-age=60", "last-modified": "Sat, 04 Nov 2023 22:13:20 GMT"])
        }
        try await edge.run { edge in
            _ = try await edge.request(.GET, "/r")
            let notModified = try await edge.request(.GET, "/r", headers: [("if-modified-since", "Sun, 05 Nov 2023 00:00:00 GMT")])
            #expect(notModified.statusCode == 304)
            let modified = try await edge.request(.GET, "/r", headers: [("if-modified-since", "Fri, 03 Nov 2023 00:00:00 GMT")])
            #expect(modified.statusCode == 200)
            #expect(edge.origin.requestCount == 1)
        }
    }

    @Test("a successful POST, PUT or DELETE invalidates the URL and its Location")
    func invalidation() async throws {
        let edge = try await self.edge { request in
            if request.method == .POST { return OriginReply(status: .created, headers: ["location": "/items/2"]) }
            return .text("item \(request.path)", headers: ["cache-control": "max-age=600"])
        }
        try await edge.run { edge in
            _ = try await edge.request(.GET, "/items")
            _ = try await edge.request(.GET, "/items/2")
            #expect(try await edge.request(.GET, "/items").header("x-cache") == "HIT")
            let created = try await edge.request(.POST, "/items", body: "{}")
            #expect(created.header("x-cache") == "DYNAMIC")
            #expect(try await edge.request(.GET, "/items").header("x-cache") == "MISS")
            #expect(try await edge.request(.GET, "/items/2").header("x-cache") == "MISS")
            #expect(edge.origin.requests(path: "/items").count == 3)
        }
    }

    @Test("concurrent misses for a response that may not be stored each go to the origin, then hit-for-miss")
    func hitForMiss() async throws {
        let edge = try await self.edge { _ in
            OriginReply(status: .ok, headers: ["cache-control": "private"], body: .bytes(ByteBuffer(string: "p")), delay: .milliseconds(30))
        }
        try await edge.run { edge in
            try await withThrowingTaskGroup(of: [UInt].self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        // Two requests on one connection: a waiter sent on to the origin keeps its connection.
                        try await edge.withConnection { connection in
                            [try await connection.request(.GET, "/p").statusCode, try await connection.request(.GET, "/p").statusCode]
                        }
                    }
                }
                for try await statuses in group { #expect(statuses == [200, 200]) }
            }
            #expect(edge.origin.requestCount == 20)
        }
    }
}

@Suite("HTTP cache: what the client is told")
struct CacheStatusTests {
    @Test("Cache-Status parses as an RFC 8941 list whose last member is the gateway's, and says who set the TTL")
    func cacheStatusIsStructured() async throws {
        let yaml = """
            rules:
              - name: override
                match: { path: "/override" }
                cache: { edge_ttl: 30s }
              - name: respect
                match: { path: ["/respect", "/respect-none"] }
                cache: { edge_ttl: 30s, mode: respect_origin }

            """
        let edge = try await EdgeHarness.start(yaml: yaml) { request in
            if request.path == "/respect-none" { return .text("x") }
            return .text("x", headers: ["cache-control": "max-age=10", "cache-status": "upstream-cdn; hit"])
        }
        try await edge.run { edge in
            let override = try await edge.request(.GET, "/override")
            let respect = try await edge.request(.GET, "/respect")
            let respectNone = try await edge.request(.GET, "/respect-none")
            #expect(override.header("cache-status") == "upstream-cdn; hit, edge-gateway; fwd=miss; fwd-status=200; stored; ttl=30; detail=rule")
            #expect(respect.header("cache-status") == "upstream-cdn; hit, edge-gateway; fwd=miss; fwd-status=200; stored; ttl=10; detail=max-age")
            #expect(respectNone.header("cache-status") == "edge-gateway; fwd=miss; fwd-status=200; stored; ttl=30; detail=rule")
            let hit = try await edge.request(.GET, "/override")
            for value in [override, respect, hit].compactMap({ $0.header("cache-status") }) {
                var parser = StructuredFieldValueParser(Array(value.utf8))
                let list = try parser.parseListFieldValue()
                guard case .item(let ours) = try #require(list.last) else {
                    Issue.record("last member is not an item: \(value)")
                    continue
                }
                guard case .token(let name) = ours.rfc9651BareItem else {
                    Issue.record("the gateway's member is not a token: \(value)")
                    continue
                }
                #expect(name == "edge-gateway")
                #expect(ours.rfc9651Parameters.contains { $0.0 == "ttl" })
            }
        }
    }
}

@Suite("HTTP cache: keys")
struct CacheKeyTests {
    @Test("a rule may sort the query, drop tracking parameters, or keep only some; the origin still gets the whole query")
    func queryPolicies() async throws {
        let yaml = """
            rules:
              - name: sorted
                match: { path: "/sorted" }
                cache: { edge_ttl: 1h, key: { query: sorted, ignore: [utm_source, fbclid] } }
              - name: only
                match: { path: "/only" }
                cache: { edge_ttl: 1h, key: { only: [page] } }
              - name: plain
                match: { path: "/plain" }
                cache: { edge_ttl: 1h }

            """
        let edge = try await EdgeHarness.start(yaml: yaml) { request in .text("origin saw \(request.uri)") }
        try await edge.run { edge in
            let first = try await edge.request(.GET, "/sorted?b=2&a=1&utm_source=mail")
            let same = try await edge.request(.GET, "/sorted?a=1&b=2&fbclid=xyz")
            #expect(first.header("x-cache") == "MISS")
            #expect(same.header("x-cache") == "HIT")
            #expect(same.bodyString == "origin saw /sorted?b=2&a=1&utm_source=mail")
            #expect(try await edge.request(.GET, "/sorted?a=1&b=3").header("x-cache") == "MISS")

            _ = try await edge.request(.GET, "/only?page=2&session=abc")
            #expect(try await edge.request(.GET, "/only?session=zzz&page=2").header("x-cache") == "HIT")
            #expect(try await edge.request(.GET, "/only?page=3").header("x-cache") == "MISS")

            _ = try await edge.request(.GET, "/plain?b=2&a=1")
            #expect(try await edge.request(.GET, "/plain?a=1&b=2").header("x-cache") == "MISS")
            #expect(edge.origin.requestCount == 6)
        }
    }
}
