import GatewayTestSupport
import Logging
import NIOCore
import NIOPosix
import RedisClient
import Rules
import Testing

@_spi(Benchmarks) @testable import Gateway

@Suite("Redis limit store")
struct RedisLimitStoreTests {
    @Test("the script counts allowed requests only and refuses past the limit")
    func script() async throws {
        let redis = try await RedisServer()
        defer { redis.stop() }
        let config = try RedisConfig.parse(redis.url).get()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = RedisClient(configuration: RedisClientConfiguration(config), group: group, logger: Logger(label: "t"))
        let store = RedisLimitStore(redis: client)
        var allowed = 0
        for _ in 0..<8 {
            let decision = try await withTimeout(5, "limiter") {
                try await store.decide(key: "k", limit: 5, windowSeconds: 60, now: 1_700_000_010, block: nil, on: group.next()).get()
            }
            if decision.allowed { allowed += 1 }
        }
        #expect(allowed == 5)
        await client.shutdown()
        try await group.shutdownGracefully()
    }
}
