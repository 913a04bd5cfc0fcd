import Gateway
import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Testing

/// Sustained limits shared through a real redis-server by several gateway instances.
@Suite("Rate limits shared through Redis")
struct SharedLimitTests {
    static func rules(redis: String) -> String {
        """
        redis: { url: "\(redis)" }
        clients: { trusted_proxies: ["127.0.0.1/32"] }
        limits: { local_share: 50% }
        rules:
          - name: auth
            match: { path: "/auth/*" }
            cache: bypass
            limit: { per_ip: 20/min }

        """
    }

    func post(_ edge: EdgeHarness, ip: String) async throws -> UInt {
        try await edge.request(.POST, "/auth/v1/token", headers: [("x-forwarded-for", ip)], body: "{}").statusCode
    }

    @Test("two gateway instances on one Redis enforce one 20/min budget together, not 40")
    func twoInstancesOneBudget() async throws {
        let redis = try await RedisServer()
        defer { redis.stop() }
        let clock = ManualWallClock(1_700_000_000)
        let one = try await EdgeHarness.start(yaml: Self.rules(redis: redis.url), clock: clock)
        let two = try await EdgeHarness.start(yaml: Self.rules(redis: redis.url), clock: clock)
        try await one.run { one in
            try await two.run { two in
                var allowed = 0
                for index in 0..<30 {
                    if try await self.post(index % 2 == 0 ? one : two, ip: "198.51.100.7") == 200 { allowed += 1 }
                }
                #expect(allowed == 20)
                // Another client has its own budget on both instances.
                #expect(try await self.post(one, ip: "198.51.100.8") == 200)
                #expect(try await self.post(two, ip: "198.51.100.8") == 200)
            }
        }
    }

    @Test("Redis killed: limits still hold per instance (its share) and no request fails")
    func redisKilled() async throws {
        let redis = try await RedisServer()
        let clock = ManualWallClock(1_700_000_000)
        let edge = try await EdgeHarness.start(yaml: Self.rules(redis: redis.url), clock: clock)
        try await edge.run { edge in
            #expect(try await self.post(edge, ip: "203.0.113.5") == 200)
            redis.kill()
            var statuses: [UInt] = []
            for _ in 0..<15 {
                statuses.append(try await self.post(edge, ip: "203.0.113.9"))
            }
            // Half of 20/min on this instance alone; nothing else than 200 or 429.
            #expect(statuses.filter { $0 == 200 }.count == 10, "\(statuses)")
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 429 })
        }
    }
}
