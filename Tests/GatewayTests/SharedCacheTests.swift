import Gateway
import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Testing

/// Several gateway instances acting as one edge through a real redis-server.
@Suite("Shared cache tier in Redis")
struct SharedCacheTests {
    static let token = "purge-token"

    static func yaml(_ redis: RedisServer) -> String {
        """
        redis: { url: "\(redis.url)" }
        rules:
          - name: feed
            match: { path: "/feed/*" }
            cache: { edge_ttl: 1h }

        """
    }

    /// Two gateways on one origin and one Redis.
    func pair(_ redis: RedisServer, origin: ScriptedOrigin) async throws -> (EdgeHarness, EdgeHarness) {
        let one = try await EdgeHarness.start(yaml: Self.yaml(redis), origin: origin, adminToken: Self.token)
        let two = try await EdgeHarness.start(yaml: Self.yaml(redis), origin: origin, adminToken: Self.token)
        return (one, two)
    }

    func origin(delay: TimeAmount = .zero) async throws -> ScriptedOrigin {
        let origin = ScriptedOrigin { request in
            var headers: HTTPHeaders = ["content-type": "text/plain"]
            headers.add(name: "cache-tag", value: request.path.hasPrefix("/feed/home") ? "home" : "other")
            return OriginReply(status: .ok, headers: headers, body: .bytes(ByteBuffer(string: "body of \(request.path)")), delay: delay)
        }
        try await origin.start()
        return origin
    }

    func get(_ edge: EdgeHarness, _ path: String) async throws -> TestResponse {
        try await edge.request(.GET, path)
    }

    @Test("a response fetched by one instance is a hit on the other: the origin sees one request")
    func sharedFill() async throws {
        let redis = try await RedisServer()
        defer { redis.stop() }
        let origin = try await self.origin()
        let (one, two) = try await self.pair(redis, origin: origin)
        try await one.run { one in
            try await two.run { two in
                let first = try await self.get(one, "/feed/a")
                #expect(first.header("x-cache") == "MISS")
                // The L2 write is off the critical path: give it a moment to land.
                var second = try await self.get(two, "/feed/a")
                for _ in 0..<50 where second.header("x-cache") != "HIT" {
                    try await Task.sleep(for: .milliseconds(20))
                    second = try await self.get(two, "/feed/a")
                }
                #expect(second.header("x-cache") == "HIT")
                #expect(second.bodyString == "body of /feed/a")
                #expect(origin.requests(path: "/feed/a").count == 1)
            }
        }
    }

    @Test("a memory (L1) hit makes no Redis round trip")
    func noRedisOnL1Hit() async throws {
        let redis = try await RedisServer()
        defer { redis.stop() }
        let origin = try await self.origin()
        let edge = try await EdgeHarness.start(yaml: Self.yaml(redis), origin: origin)
        try await edge.run { edge in
            _ = try await self.get(edge, "/feed/hot")
            #expect(try await self.get(edge, "/feed/hot").header("x-cache") == "HIT")
            let started = ContinuousClock.now
            let before = try await self.getCalls(redis)
            try await edge.withConnection { connection in
                for _ in 0..<200 {
                    let response = try await connection.request(.GET, "/feed/hot")
                    #expect(response.header("x-cache") == "HIT")
                }
            }
            let after = try await self.getCalls(redis)
            // An L2 lookup is a GET; the only other GET is the purge catch-up's, once every 5 s.
            let catchUps = Int((ContinuousClock.now - started) / .seconds(5)) + 1
            #expect(after - before <= catchUps, "Redis saw \(after - before) GETs during 200 memory hits")
        }
    }

    /// How many GET commands Redis has run (INFO commandstats, read with redis-cli).
    func getCalls(_ redis: RedisServer) async throws -> Int {
        let result = try await runCommand("/usr/bin/redis-cli", ["-p", String(redis.port), "INFO", "commandstats"])
        for line in result.standardOutput.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_get:") {
            // cmdstat_get:calls=12,usec=...
            let calls = line.split(separator: ",").first?.split(separator: "=").last
            return calls.flatMap { Int($0) } ?? 0
        }
        return 0
    }

    @Test("concurrent misses on two instances make about one origin request")
    func crossInstanceCoalescing() async throws {
        let redis = try await RedisServer()
        defer { redis.stop() }
        let origin = try await self.origin(delay: .milliseconds(300))
        let (one, two) = try await self.pair(redis, origin: origin)
        try await one.run { one in
            try await two.run { two in
                let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                    for index in 0..<20 {
                        group.addTask { try await self.get(index % 2 == 0 ? one : two, "/feed/cold").statusCode }
                    }
                    var statuses: [UInt] = []
                    for try await status in group { statuses.append(status) }
                    return statuses
                }
                #expect(statuses.count == 20 && statuses.allSatisfy { $0 == 200 })
                #expect(origin.requests(path: "/feed/cold").count <= 2)
            }
        }
    }

    @Test("a purge on one instance reaches the other's memory within 100 ms: tags, prefixes, everything")
    func purgeEverywhere() async throws {
        let redis = try await RedisServer()
        defer { redis.stop() }
        let origin = try await self.origin()
        let (one, two) = try await self.pair(redis, origin: origin)
        try await one.run { one in
            try await two.run { two in
                for path in ["/feed/home/1", "/feed/home/2", "/feed/x/1", "/feed/y/1"] {
                    _ = try await self.get(one, path)
                    _ = try await self.get(two, path)
                    #expect(try await self.get(two, path).header("x-cache") == "HIT")
                }
                let before = origin.requestCount

                #expect(try await one.purge(#"{"tags":["home"]}"#, token: Self.token).statusCode == 200)
                try await Task.sleep(for: .milliseconds(100))
                #expect(try await self.get(two, "/feed/home/1").header("x-cache") == "MISS")
                #expect(try await self.get(two, "/feed/x/1").header("x-cache") == "HIT")

                #expect(try await two.purge(#"{"prefixes":["/feed/x/"]}"#, token: Self.token).statusCode == 200)
                try await Task.sleep(for: .milliseconds(100))
                #expect(try await self.get(one, "/feed/x/1").header("x-cache") == "MISS")
                #expect(try await self.get(one, "/feed/y/1").header("x-cache") == "HIT")

                #expect(try await one.purge(#"{"purge_everything":true}"#, token: Self.token).statusCode == 200)
                try await Task.sleep(for: .milliseconds(100))
                #expect(try await self.get(two, "/feed/y/1").header("x-cache") == "MISS")
                #expect(origin.requestCount > before)
            }
        }
    }

    @Test("Redis killed mid-test: responses stay 200; Redis back: L2 is used again")
    func redisOutage() async throws {
        let redis = try await RedisServer()
        defer { redis.stop() }
        let origin = try await self.origin()
        let (one, two) = try await self.pair(redis, origin: origin)
        try await one.run { one in
            try await two.run { two in
                _ = try await self.get(one, "/feed/before")
                let ready = try await TestConnection.with(port: one.adminPort) { try await $0.request(.GET, "/readyz") }
                #expect(ready.bodyString.contains("redis: up"))
                redis.kill()
                for index in 0..<20 {
                    let response = try await self.get(index % 2 == 0 ? one : two, "/feed/during-\(index % 4)")
                    #expect(response.statusCode == 200)
                }
                let degraded = try await TestConnection.with(port: one.adminPort) { try await $0.request(.GET, "/readyz") }
                #expect(degraded.statusCode == 200)
                #expect(degraded.bodyString.contains("redis: down"))
                try await redis.restart()
                // Reconnects by itself; then a fill on one is a hit on the other again.
                var shared = false
                for attempt in 0..<100 where !shared {
                    let path = "/feed/after-\(attempt)"
                    _ = try await self.get(one, path)
                    try await Task.sleep(for: .milliseconds(50))
                    shared = try await self.get(two, path).header("x-cache") == "HIT"
                }
                #expect(shared)
            }
        }
    }
}
