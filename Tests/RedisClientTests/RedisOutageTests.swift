import GatewayTestSupport
import RedisClient
import Testing

extension RedisLiveTests {
    @Test("a paused Redis: .timeout, the breaker opens within about a second, commands fail fast; resumed, it recovers by itself")
    func pausedRedis() async throws {
        try await withRedis(configure: { $0.commandTimeout = .milliseconds(250); $0.connectTimeout = .milliseconds(500) }) { redis async throws in
            let client = redis.client
            let clock = ContinuousClock()
            _ = try await client.send(["SET", "key", "value"])
            #expect(client.health == .up)

            redis.server.pause()
            let pausedAt = clock.now
            #expect(await redisError { try await client.send(["GET", "key"]) } == .timeout)
            let firstReplyWait = clock.now - pausedAt
            #expect(firstReplyWait >= .milliseconds(200) && firstReplyWait < .seconds(1))

            var error: RedisError?
            while error != .unavailable, clock.now - pausedAt < .seconds(5) {
                error = await redisError { try await client.send(["GET", "key"]) }
            }
            #expect(error == .unavailable)
            #expect(clock.now - pausedAt < .milliseconds(1_500))
            guard case .down = client.health else {
                Issue.record("health must say down while the breaker is open")
                return
            }

            // Open breaker: no connect timeout, no command timeout, per request. Each would take the
            // 250 ms command timeout if it waited; the bounds leave room for a loaded machine's stalls.
            let burstStarted = clock.now
            var slowest = Duration.zero
            for _ in 0..<200 {
                let started = clock.now
                #expect(await redisError { try await client.send(["GET", "key"]) } == .unavailable)
                slowest = max(slowest, clock.now - started)
            }
            #expect(slowest < .milliseconds(200))
            #expect(clock.now - burstStarted < .seconds(2))

            redis.server.resume()
            let recovered = await eventually(within: .seconds(15)) {
                (try? await client.send(["GET", "key"]))?.string == "value"
            }
            #expect(recovered)
            #expect(client.health == .up)
            #expect(redis.logCount("redis unavailable, serving without it") == 1)
            #expect(redis.logCount("redis back") == 1)
        }
    }

    @Test("a killed Redis: commands fail without hanging; restarted on its port, the client reconnects by itself")
    func killedAndRestarted() async throws {
        try await withRedis { redis async throws in
            let client = redis.client
            let clock = ContinuousClock()
            _ = try await client.send(["SET", "before", "1"])

            redis.server.kill()
            for _ in 0..<20 {
                let started = clock.now
                let error = await redisError { try await client.send(["GET", "before"]) }
                #expect(error == .unavailable || error == .connectionClosed)
                #expect(clock.now - started < .milliseconds(600))
            }
            #expect(await eventually { !client.health.isUp })

            try await redis.server.restart()
            let recovered = await eventually(within: .seconds(15)) {
                (try? await client.send(["SET", "after", "2"])) == .simpleString("OK")
            }
            #expect(recovered)
            #expect(try await client.send(["GET", "after"]).string == "2")
            #expect(client.health == .up)
            #expect(redis.logCount("redis unavailable, serving without it") == 1)
            #expect(redis.logCount("redis back") == 1)
        }
    }

    @Test("with no Redis at all, startup does not hang and commands fail fast")
    func neverReachable() async throws {
        let server = try await RedisServer()
        let port = server.port
        server.stop()  // a port nothing listens on
        let (client, _) = try makeClient(url: "redis://127.0.0.1:\(port)")
        let clock = ContinuousClock()
        for _ in 0..<10 {
            let started = clock.now
            #expect(await redisError { try await client.send(["PING"]) } == .unavailable)
            #expect(clock.now - started < .milliseconds(600))
        }
        #expect(await eventually { !client.health.isUp })
        await client.shutdown()
        #expect(await redisError { try await client.send(["PING"]) } == .connectionClosed)
    }
}
