import GatewayTestSupport
import NIOCore
import NIOPosix
import RedisClient
import Testing

/// Against a real redis-server on a free loopback port. Serialized: the outage tests time replies in
/// milliseconds and should not share two cores with the rest of the suite.
@Suite("Redis client against a real redis-server", .serialized, .timeLimit(.minutes(2)))
struct RedisLiveTests {}

extension RedisLiveTests {
    @Test("SET, GET and INCR round trips; a missing key is null")
    func roundTrips() async throws {
        try await withRedis { redis async throws in
            let client = redis.client
            #expect(try await client.send(["SET", "greeting", "hello"]) == .simpleString("OK"))
            #expect(try await client.send(["GET", "greeting"]).string == "hello")
            #expect(try await client.send(["INCR", "counter"]) == .integer(1))
            #expect(try await client.send(["INCRBY", "counter", 41]).int == 42)
            #expect(try await client.send(["GET", "missing"]).isNull)
        }
    }

    @Test("values are binary safe: every byte value, CR LF and NUL, in keys and values")
    func binarySafe() async throws {
        try await withRedis { redis async throws in
            let key: [UInt8] = [0, 13, 10, 36, 42, 255]
            let value = (0...255).map { UInt8($0) } + [13, 10, 0, 13, 10]
            _ = try await redis.client.send(["SET", RedisArgument(key), RedisArgument(value)])
            #expect(try await redis.client.send(["GET", RedisArgument(key)]).bytes == value)
            #expect(try await redis.client.send(["STRLEN", RedisArgument(key)]) == .integer(Int64(value.count)))
        }
    }

    @Test("a 1 MiB value goes and comes back intact (parsed across many reads)")
    func largeValue() async throws {
        try await withRedis { redis async throws in
            var generator = SystemRandomNumberGenerator()
            let value = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var buffer = ByteBuffer()
            buffer.writeBytes(value)
            _ = try await redis.client.send(["SET", "big", RedisArgument(buffer)])
            #expect(try await redis.client.send(["STRLEN", "big"]) == .integer(1 << 20))
            let reply = try await redis.client.send(["GET", "big"])
            #expect(reply.bytes == value)
        }
    }

    @Test("1,000 pipelined INCRs come back 1...1000 in order")
    func pipelinedIncrements() async throws {
        try await withRedis { redis async throws in
            let replies = try await redis.client.pipeline(Array(repeating: ["INCR", "sequence"], count: 1_000))
            #expect(replies == (1...1_000).map { RESPValue.integer(Int64($0)) })
        }
    }

    @Test("many concurrent single commands each get their own reply")
    func concurrentCallers() async throws {
        try await withRedis { redis async throws in
            let client = redis.client
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for caller in 0..<64 {
                    group.addTask {
                        for round in 0..<20 {
                            let key = "caller:\(caller):\(round)"
                            _ = try await client.send(["SET", RedisArgument(key), RedisArgument(round * 1_000 + caller)])
                            guard try await client.send(["GET", RedisArgument(key)]).int == round * 1_000 + caller else { return false }
                        }
                        return true
                    }
                }
                for try await matched in group { #expect(matched) }
            }
        }
    }

    @Test("a server error reply surfaces as .server(message); in a pipeline it stays in its place")
    func serverErrors() async throws {
        try await withRedis { redis async throws in
            _ = try await redis.client.send(["SET", "text", "not a number"])
            let error = await redisError { try await redis.client.send(["INCR", "text"]) }
            #expect(error == .server("ERR value is not an integer or out of range"))
            let unknown = await redisError { try await redis.client.send(["NOSUCHCOMMAND", "x"]) }
            guard case .server(let message) = unknown else {
                Issue.record("expected a server error, got \(String(describing: unknown))")
                return
            }
            #expect(message.hasPrefix("ERR unknown command"))
            let replies = try await redis.client.pipeline([["INCR", "n"], ["INCR", "text"], ["INCR", "n"]])
            #expect(replies == [.integer(1), .error("ERR value is not an integer or out of range"), .integer(2)])
            // The connection is still in step after the error.
            #expect(try await redis.client.send(["GET", "n"]).int == 2)
        }
    }

    @Test("the future form completes on the caller's event loop")
    func futureOnCallerLoop() async throws {
        try await withRedis { redis async throws in
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            let future = loop.flatSubmit { redis.client.send(["PING"], on: loop) }
            #expect(future.eventLoop === loop)
            let onLoop = try await future.map { _ in loop.inEventLoop }.get()
            #expect(onLoop)
            #expect(try await future.get() == .simpleString("PONG"))
        }
    }

    @Test("AUTH and SELECT from redis://:password@host:port/2 before the connection is used")
    func authAndSelect() async throws {
        try await withRedis(password: "s3cret pass", database: 2) { redis async throws in
            _ = try await redis.client.send(["SET", "only-in-db-2", "yes"])
            #expect(try await redis.client.send(["GET", "only-in-db-2"]).string == "yes")

            let (databaseZero, _) = try makeClient(url: redis.server.url(database: 0))
            #expect(try await databaseZero.send(["GET", "only-in-db-2"]).isNull)
            #expect(try await databaseZero.send(["CLIENT", "INFO"]).string?.contains(" db=0 ") == true)
            await databaseZero.shutdown()
            #expect(try await redis.client.send(["CLIENT", "INFO"]).string?.contains(" db=2 ") == true)

            let (anonymous, _) = try makeClient(url: "redis://127.0.0.1:\(redis.server.port)")
            let refused = await redisError { try await anonymous.send(["GET", "only-in-db-2"]) }
            guard case .server(let message) = refused else {
                Issue.record("without the password Redis must refuse, got \(String(describing: refused))")
                return
            }
            #expect(message.hasPrefix("NOAUTH"))
            await anonymous.shutdown()

            let (wrongPassword, _) = try makeClient(url: "redis://:wrong@127.0.0.1:\(redis.server.port)/2")
            #expect(await redisError { try await wrongPassword.send(["GET", "only-in-db-2"]) } != nil)
            await wrongPassword.shutdown()
        }
    }

    @Test("EVALSHA runs a script; after SCRIPT FLUSH (NOSCRIPT) it is sent once with EVAL and cached again")
    func evalShaWithFallback() async throws {
        try await withRedis { redis async throws in
            let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
            #expect(try await redis.client.send(["SCRIPT", "LOAD", RedisArgument(script.source)]).string == script.sha1)
            #expect(try await redis.client.evalScript(script, keys: ["hits"], arguments: [5]) == .integer(5))

            _ = try await redis.client.send(["SCRIPT", "FLUSH"])
            #expect(try await redis.client.send(["SCRIPT", "EXISTS", RedisArgument(script.sha1)]) == .array([.integer(0)]))
            #expect(try await redis.client.evalScript(script, keys: ["hits"], arguments: [5]) == .integer(10))
            #expect(try await redis.client.send(["SCRIPT", "EXISTS", RedisArgument(script.sha1)]) == .array([.integer(1)]))
            #expect(try await redis.client.evalScript(script, keys: ["hits"], arguments: [1]) == .integer(11))

            let broken = RedisScript("return redis.call('INCR')")
            let error = await redisError { try await redis.client.evalScript(broken, keys: [], arguments: []) }
            guard case .server(let message) = error else {
                Issue.record("a failing script must surface its error, got \(String(describing: error))")
                return
            }
            #expect(message.lowercased().contains("wrong number of arg"))
        }
    }
}
