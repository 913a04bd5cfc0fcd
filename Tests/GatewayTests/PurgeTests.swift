import Gateway
import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Testing

@Suite("Purge API (one instance)")
struct PurgeTests {
    static let token = "s3cret-token"

    func edge() async throws -> EdgeHarness {
        try await EdgeHarness.start(adminToken: Self.token) { request in
            var headers: HTTPHeaders = ["cache-control": "max-age=600"]
            if request.path.hasPrefix("/feed") { headers.add(name: "cache-tag", value: "feed, home") }
            if request.path.hasPrefix("/assets") { headers.add(name: "surrogate-key", value: "static v42") }
            return .text("body of \(request.path)", headers: headers)
        }
    }

    func xCache(_ edge: EdgeHarness, _ path: String, host: String = "shop.example") async throws -> String? {
        try await edge.request(.GET, path, headers: [("host", host)]).header("x-cache")
    }

    func warm(_ edge: EdgeHarness, _ paths: [String], host: String = "shop.example") async throws {
        for path in paths {
            _ = try await edge.request(.GET, path, headers: [("host", host)])
            #expect(try await self.xCache(edge, path, host: host) == "HIT")
        }
    }

    @Test("without the right bearer token, or with none configured, purges are refused")
    func refused() async throws {
        let edge = try await self.edge()
        try await edge.run { edge in
            try await self.warm(edge, ["/feed"])
            #expect(try await edge.purge(#"{"purge_everything":true}"#, token: nil).statusCode == 401)
            #expect(try await edge.purge(#"{"purge_everything":true}"#, token: "wrong").statusCode == 401)
            #expect(try await self.xCache(edge, "/feed") == "HIT")
        }
        let open = try await EdgeHarness.start()
        try await open.run { edge in
            let response = try await edge.purge(#"{"purge_everything":true}"#, token: "anything")
            #expect(response.statusCode == 403)
            #expect(response.bodyString.contains("--admin-token"))
        }
    }

    @Test("tags from Cache-Tag and Surrogate-Key purge what carries them, and are not shown to clients")
    func tags() async throws {
        let edge = try await self.edge()
        try await edge.run { edge in
            try await self.warm(edge, ["/feed/a", "/feed/b", "/assets/x.js", "/other"])
            let shown = try await edge.request(.GET, "/feed/a", headers: [("host", "shop.example")])
            #expect(shown.header("cache-tag") == nil)
            #expect(try await edge.purge(#"{"tags":["home"]}"#, token: Self.token).statusCode == 200)
            #expect(try await self.xCache(edge, "/feed/a") == "MISS")
            #expect(try await self.xCache(edge, "/feed/b") == "MISS")
            #expect(try await self.xCache(edge, "/assets/x.js") == "HIT")
            #expect(try await edge.purge(#"{"tags":["v42"]}"#, token: Self.token).statusCode == 200)
            #expect(try await self.xCache(edge, "/assets/x.js") == "MISS")
            #expect(try await self.xCache(edge, "/other") == "HIT")
        }
    }

    @Test("prefixes, hosts, files and everything")
    func kinds() async throws {
        let edge = try await self.edge()
        try await edge.run { edge in
            try await self.warm(edge, ["/assets/a.js", "/assets/b/c.css", "/api/x", "/api/y"])
            try await self.warm(edge, ["/assets/a.js"], host: "cdn.example")

            #expect(try await edge.purge(#"{"prefixes":["shop.example/assets/"]}"#, token: Self.token).statusCode == 200)
            #expect(try await self.xCache(edge, "/assets/a.js") == "MISS")
            #expect(try await self.xCache(edge, "/assets/b/c.css") == "MISS")
            #expect(try await self.xCache(edge, "/assets/a.js", host: "cdn.example") == "HIT")
            #expect(try await self.xCache(edge, "/api/x") == "HIT")

            #expect(try await edge.purge(#"{"files":["https://shop.example/api/x"]}"#, token: Self.token).statusCode == 200)
            #expect(try await self.xCache(edge, "/api/x") == "MISS")
            #expect(try await self.xCache(edge, "/api/y") == "HIT")

            #expect(try await edge.purge(#"{"hosts":["cdn.example"]}"#, token: Self.token).statusCode == 200)
            #expect(try await self.xCache(edge, "/assets/a.js", host: "cdn.example") == "MISS")
            #expect(try await self.xCache(edge, "/api/y") == "HIT")

            #expect(try await edge.purge(#"{"purge_everything":true}"#, token: Self.token).statusCode == 200)
            #expect(try await self.xCache(edge, "/api/y") == "MISS")
        }
    }

    @Test("a malformed purge body is refused with a sentence")
    func malformed() async throws {
        let edge = try await self.edge()
        try await edge.run { edge in
            let bad = try await edge.purge("{not json", token: Self.token)
            #expect(bad.statusCode == 400)
            #expect(bad.bodyString.contains("purge_everything"))
            let empty = try await edge.purge("{}", token: Self.token)
            #expect(empty.statusCode == 400)
            #expect(empty.bodyString.contains("nothing to purge"))
        }
    }
}
