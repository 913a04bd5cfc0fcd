import GatewayTestSupport
import RedisClient
import Testing

extension RedisLiveTests {
    @Test("pub/sub delivers; after a Redis restart the subscription comes back and onReconnect fires")
    func pubSubSurvivesRestart() async throws {
        try await withRedis { redis in try await self.checkPubSubSurvivesRestart(redis) }
    }

    private func checkPubSubSurvivesRestart(_ redis: RedisHarness) async throws {
        let client = redis.client
        let messages = Locked<[[UInt8]]>([])
        let reconnects = Locked(0)
        let other = Locked<[[UInt8]]>([])
        try await client.subscribe(
            channel: "purge",
            onMessage: { message in messages.mutate { $0.append(message) } },
            onReconnect: { reconnects.mutate { $0 += 1 } }
        ).get()
        try await client.subscribe(
            channel: "other", onMessage: { message in other.mutate { $0.append(message) } }, onReconnect: {}
        ).get()

        let receivers = try await client.publish(channel: "purge", message: [0, 1, 2, 255]).get()
        #expect(receivers == 1)
        let delivered = await eventually { messages.value == [[0, 1, 2, 255]] }
        #expect(delivered)
        #expect(other.value.isEmpty)
        #expect(reconnects.value == 0)

        try await redis.server.restart()
        let resubscribed = await eventually(within: .seconds(15)) { reconnects.value == 1 }
        #expect(resubscribed)
        let published = await eventually(within: .seconds(15)) {
            (try? await client.publish(channel: "purge", message: Array("after".utf8)).get()) == 1
        }
        #expect(published)
        let deliveredAfter = await eventually { messages.value.last == Array("after".utf8) }
        #expect(deliveredAfter)
        #expect(reconnects.value == 1)
    }
}
