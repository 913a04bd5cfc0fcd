import NIOCore
import NIOEmbedded
import Testing

@testable import RedisClient

/// The connection handler on an EmbeddedChannel: FIFO matching, pipelines, error replies and the timeout,
/// with virtual time.
@Suite("Redis command handler")
struct RedisCommandHandlerTests {
    final class Events: Sendable {
        let timedOut = Locked(0)
    }

    func channel(events: Events = Events(), onPush: (@Sendable (RESPValue) -> Void)? = nil) throws -> EmbeddedChannel {
        let handler = RedisCommandHandler(
            commandTimeout: .milliseconds(250),
            onEvent: { event in if case .timedOut = event { events.timedOut.mutate { $0 += 1 } } },
            onPush: onPush
        )
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        return channel
    }

    func send(_ command: [RedisArgument], on channel: EmbeddedChannel) throws -> EventLoopFuture<RESPValue> {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        try channel.writeOutbound(RedisRequest(bytes: RESPCommandEncoder.encode(command), replies: .one(promise)))
        return promise.futureResult
    }

    @Test("replies are matched to commands in order, across reads split anywhere")
    func fifo() throws {
        let channel = try self.channel()
        let first = try self.send(["GET", "a"], on: channel)
        let second = try self.send(["INCR", "b"], on: channel)
        let pipelinePromise = channel.eventLoop.makePromise(of: [RESPValue].self)
        try channel.writeOutbound(RedisRequest(
            bytes: RESPCommandEncoder.encode(["PING"]), replies: .many(count: 2, pipelinePromise)
        ))
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(String(buffer: written) == "*2\r\n$3\r\nGET\r\n$1\r\na\r\n")
        try channel.writeInbound(ByteBuffer(string: "$1\r\nx\r\n:"))
        try channel.writeInbound(ByteBuffer(string: "5\r\n+PONG\r\n-ERR no"))
        try channel.writeInbound(ByteBuffer(string: "\r\n"))
        #expect(try first.wait() == .bulkString(Array("x".utf8)))
        #expect(try second.wait() == .integer(5))
        #expect(try pipelinePromise.futureResult.wait() == [.simpleString("PONG"), .error("ERR no")])
        _ = try channel.finish()
    }

    @Test("an error reply fails a single command with .server(message)")
    func serverError() throws {
        let channel = try self.channel()
        let reply = try self.send(["INCR", "text"], on: channel)
        try channel.writeInbound(ByteBuffer(string: "-ERR value is not an integer or out of range\r\n"))
        #expect(throws: RedisError.server("ERR value is not an integer or out of range")) { try reply.wait() }
        _ = try channel.finish()
    }

    @Test("no reply within the timeout: every waiting command fails with .timeout and the connection closes")
    func timeout() throws {
        let events = Events()
        let channel = try self.channel(events: events)
        let loop = channel.embeddedEventLoop
        let first = try self.send(["GET", "a"], on: channel)
        loop.advanceTime(by: .milliseconds(100))
        let second = try self.send(["GET", "b"], on: channel)
        loop.advanceTime(by: .milliseconds(149))
        #expect(channel.isActive)
        loop.advanceTime(by: .milliseconds(1))
        #expect(throws: RedisError.timeout) { try first.wait() }
        #expect(throws: RedisError.timeout) { try second.wait() }
        #expect(!channel.isActive)
        #expect(events.timedOut.value == 1)
    }

    @Test("replies that keep coming keep a long pipeline alive past the timeout")
    func progressExtends() throws {
        let channel = try self.channel()
        let loop = channel.embeddedEventLoop
        let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
        try channel.writeOutbound(RedisRequest(bytes: ByteBuffer(), replies: .many(count: 3, promise)))
        loop.advanceTime(by: .milliseconds(200))
        try channel.writeInbound(ByteBuffer(string: ":1\r\n"))
        loop.advanceTime(by: .milliseconds(200))
        try channel.writeInbound(ByteBuffer(string: ":2\r\n"))
        loop.advanceTime(by: .milliseconds(200))
        try channel.writeInbound(ByteBuffer(string: ":3\r\n"))
        #expect(try promise.futureResult.wait() == [.integer(1), .integer(2), .integer(3)])
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test("pub/sub messages go to the push handler, other replies to the waiting command")
    func pushMessages() throws {
        let pushed = Locked<[RESPValue]>([])
        let channel = try self.channel(onPush: { message in pushed.mutate { $0.append(message) } })
        let ping = try self.send(["PING"], on: channel)
        try channel.writeInbound(ByteBuffer(string: "*3\r\n$7\r\nmessage\r\n$5\r\npurge\r\n$3\r\n/a1\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n"))
        #expect(try ping.wait() == .array([.bulkString(Array("pong".utf8)), .bulkString([])]))
        #expect(pushed.value.count == 1)
        #expect(pushed.value.first?.array?.last == .bulkString(Array("/a1".utf8)))
        _ = try channel.finish()
    }

    @Test("a reply nobody waits for is a protocol error that closes the connection")
    func unexpectedReply() throws {
        let channel = try self.channel()
        try channel.writeInbound(ByteBuffer(string: "+OK\r\n"))
        #expect(!channel.isActive)
    }

    @Test("a command written after the connection closed fails at once")
    func writeAfterClose() throws {
        let channel = try self.channel()
        try channel.close().wait()
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        RedisConnection.write(RedisRequest(bytes: ByteBuffer(), replies: .one(promise)), to: channel)
        #expect(throws: RedisError.self) { try promise.futureResult.wait() }
    }
}
