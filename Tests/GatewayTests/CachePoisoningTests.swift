import Gateway
import GatewayTestSupport
import NIOHTTP1
import OriginKit
import Testing

/// Cache poisoning: what one client sends or receives must not change what another is served.
@Suite("Cache poisoning")
struct CachePoisoningTests {
    static let rules = """
        rules:
          - name: pages
            match: { path: /* }
            cache: { edge_ttl: 60s }
        """

    @Test("headers that would change the origin's answer but are not in the key never reach the origin")
    func unkeyedHeadersAreDropped() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.rules)
        try await edge.run { edge in
            let poison = [
                ("X-Forwarded-Host", "evil.example"), ("X-Host", "evil.example"), ("X-Original-URL", "/admin"),
                ("X-Rewrite-URL", "/admin"), ("X-Forwarded-Scheme", "nothttps"), ("X-Forwarded-Proto", "https"),
                ("X-Forwarded-Port", "8443"), ("X-Forwarded-Server", "evil.example"), ("X-Original-Host", "evil.example"),
                ("X-HTTP-Method-Override", "DELETE"), ("X-HTTP-Method", "DELETE"), ("X-Method-Override", "DELETE"),
                ("X-Forwarded-Prefix", "/evil"), ("Forwarded", "host=evil.example;proto=https"), ("Front-End-Https", "on"),
            ]
            let response = try await edge.request(.GET, "/page", headers: [("host", "shop.example")] + poison)
            #expect(response.statusCode == 200)
            let seen = try #require(edge.origin.requests.first).headers
            for (name, _) in poison where !["X-Forwarded-Host", "X-Forwarded-Proto"].contains(name) {
                #expect(!seen.contains(name: name), "\(name) reached the origin")
            }
            #expect(seen[canonicalForm: "x-forwarded-host"] == ["shop.example"], "the gateway's own, from Host")
            #expect(seen[canonicalForm: "x-forwarded-proto"] == ["http"], "the gateway's own")
            #expect(seen.first(name: "host") == "shop.example")
            // The next client, without any of them, is served the same entry.
            #expect(try await edge.request(.GET, "/page", headers: [("host", "shop.example")]).header("x-cache") == "HIT")
        }
    }

    @Test("a response with Set-Cookie is never served to another client, even under a rule's edge_ttl")
    func setCookieIsNeverShared() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.rules) { request in
            .text("hello \(request.headers.first(name: "x-user") ?? "?")\n", headers: ["set-cookie": "session=\(request.headers.first(name: "x-user") ?? "?")"])
        }
        try await edge.run { edge in
            let alice = try await edge.request(.GET, "/page", headers: [("x-user", "alice")])
            #expect(alice.header("set-cookie") == "session=alice")
            let bob = try await edge.request(.GET, "/page", headers: [("x-user", "bob")])
            #expect(bob.header("set-cookie") == "session=bob")
            #expect(bob.bodyString == "hello bob\n")
            #expect(bob.header("x-cache") != "HIT")
            #expect(bob.header("cache-status")?.contains("detail=set-cookie") == true, "\(bob.header("cache-status") ?? "")")
            #expect(edge.origin.requestCount == 2)
        }
    }

    @Test("a Set-Cookie that arrives on a revalidation's 304 is not stored with the entry")
    func setCookieOnRevalidation() async throws {
        let clock = ManualWallClock()
        let origin = ScriptedOrigin { request in
            if request.headers.first(name: "if-none-match") == "\"v1\"" {
                return OriginReply(status: .notModified, headers: ["etag": "\"v1\"", "set-cookie": "session=\(request.headers.first(name: "x-user") ?? "?")"])
            }
            return .text("page\n", headers: ["etag": "\"v1\"", "cache-control": "max-age=10"])
        }
        try await origin.start()
        let edge = try await EdgeHarness.start(yaml: "", origin: origin, clock: clock)
        try await edge.run { edge in
            #expect(try await edge.request(.GET, "/page").header("x-cache") == "MISS")
            clock.advance(by: 20)
            let alice = try await edge.request(.GET, "/page", headers: [("x-user", "alice")])
            #expect(alice.statusCode == 200)
            #expect(alice.header("set-cookie") == "session=alice", "alice gets her own cookie")
            let bob = try await edge.request(.GET, "/page", headers: [("x-user", "bob")])
            #expect(bob.header("set-cookie") != "session=alice", "bob must never get alice's cookie")
        }
    }

    @Test("a response to a request with Authorization is shared only when the origin allows it (RFC 9111 3.5)")
    func authorization() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.rules) { request in
            request.path == "/public"
                ? .text("for all\n", headers: ["cache-control": "public, max-age=60"])
                : .text("for \(request.headers.first(name: "authorization") ?? "nobody")\n")
        }
        try await edge.run { edge in
            let mine = try await edge.request(.GET, "/mine", headers: [("authorization", "Bearer alice")])
            #expect(mine.bodyString == "for Bearer alice\n")
            #expect(mine.header("cache-status")?.contains("detail=authorization") == true, "\(mine.header("cache-status") ?? "")")
            let anonymous = try await edge.request(.GET, "/mine")
            #expect(anonymous.bodyString == "for nobody\n", "the rule's edge_ttl does not make alice's answer shared")
            #expect(anonymous.header("x-cache") == "MISS")

            _ = try await edge.request(.GET, "/public", headers: [("authorization", "Bearer alice")])
            let shared = try await edge.request(.GET, "/public")
            #expect(shared.header("x-cache") == "HIT", "public lets a shared cache keep it")
            #expect(edge.origin.requests(path: "/public").count == 1)
        }
    }

    @Test("a quoted comma in Cache-Control is not a directive separator (found reading the fuzz target)")
    func quotedCommaInCacheControl() async throws {
        let edge = try await EdgeHarness.start(yaml: "") { _ in
            .text("page\n", headers: ["cache-control": #"x-note="a, max-age=99999, b""#])
        }
        try await edge.run { edge in
            _ = try await edge.request(.GET, "/page")
            let second = try await edge.request(.GET, "/page")
            #expect(second.header("x-cache") != "HIT", "the max-age inside quotes is not a directive: no freshness, not stored")
            #expect(edge.origin.requestCount == 2)
        }
    }
}
