import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A Redis client for the event-loop world: SwiftNIO does the socket I/O, libhiredis the RESP encoding and
/// parsing. Commands are pipelined over a small pool of persistent connections; each command has a timeout;
/// a circuit breaker makes commands fail fast (`RedisError.unavailable`) while Redis is away, so callers can
/// carry on without it, and a probe brings it back by itself.
///
/// Call `shutdown()` before dropping the client.
public final class RedisClient: Sendable {
    public let configuration: RedisClientConfiguration
    private let group: EventLoopGroup
    private let logger: Logger
    private let pool: RedisConnectionPool
    /// Made on the first `subscribe`; nil after `shutdown()` as before the first subscription.
    private let subscriber = NIOLockedValueBox<(subscriber: RedisSubscriber?, isShutDown: Bool)>((nil, false))

    public init(configuration: RedisClientConfiguration, group: EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.pool = RedisConnectionPool(configuration: configuration, group: group, logger: logger)
        self.pool.start()
    }

    /// Sends one command. An error reply throws `RedisError.server(message)`.
    public func send(_ arguments: [RedisArgument]) async throws -> RESPValue {
        try await self.send(arguments, on: nil).get()
    }

    /// Sends one command; the future completes on `eventLoop` (pass the channel's loop from a channel handler:
    /// with a pool connection on that loop the command never leaves the thread).
    public func send(_ arguments: [RedisArgument], on eventLoop: EventLoop?) -> EventLoopFuture<RESPValue> {
        let loop = eventLoop ?? self.group.any()
        guard !arguments.isEmpty else { return loop.makeFailedFuture(RedisError.protocolError("a command needs a name")) }
        let promise = loop.makePromise(of: RESPValue.self)
        var bytes = ByteBufferAllocator().buffer(capacity: 0)
        RESPCommandEncoder.encode(arguments, into: &bytes)
        self.pool.submit(RedisRequest(bytes: bytes, replies: .one(promise)), preferring: eventLoop)
        return promise.futureResult
    }

    /// Sends commands in one write on one connection; the replies come back in order. Error replies stay in
    /// place as `.error` values rather than throwing, so the other commands' results are not lost.
    public func pipeline(_ commands: [[RedisArgument]]) async throws -> [RESPValue] {
        try await self.pipeline(commands, on: nil).get()
    }

    public func pipeline(_ commands: [[RedisArgument]], on eventLoop: EventLoop?) -> EventLoopFuture<[RESPValue]> {
        let loop = eventLoop ?? self.group.any()
        guard !commands.isEmpty else { return loop.makeSucceededFuture([]) }
        guard !commands.contains(where: \.isEmpty) else {
            return loop.makeFailedFuture(RedisError.protocolError("a command needs a name"))
        }
        let promise = loop.makePromise(of: [RESPValue].self)
        var bytes = ByteBufferAllocator().buffer(capacity: 0)
        for command in commands { RESPCommandEncoder.encode(command, into: &bytes) }
        self.pool.submit(RedisRequest(bytes: bytes, replies: .many(count: commands.count, promise)), preferring: eventLoop)
        return promise.futureResult
    }

    /// Runs a Lua script by its SHA-1 (EVALSHA). When Redis does not have it (`NOSCRIPT`: restarted, flushed,
    /// failed over), sends it once with EVAL, which also caches it for the next EVALSHA.
    public func evalScript(
        _ script: RedisScript, keys: [RedisArgument], arguments: [RedisArgument], on eventLoop: EventLoop? = nil
    ) -> EventLoopFuture<RESPValue> {
        let tail = [RedisArgument(keys.count)] + keys + arguments
        return self.send(["EVALSHA", RedisArgument(script.sha1)] + tail, on: eventLoop).flatMapError { error in
            guard case RedisError.server(let message) = error, message.hasPrefix("NOSCRIPT") else {
                return (eventLoop ?? self.group.any()).makeFailedFuture(error)
            }
            return self.send(["EVAL", RedisArgument(script.source)] + tail, on: eventLoop)
        }
    }

    public func evalScript(_ script: RedisScript, keys: [RedisArgument], arguments: [RedisArgument]) async throws -> RESPValue {
        try await self.evalScript(script, keys: keys, arguments: arguments, on: nil).get()
    }

    /// Publishes to a channel; the future holds how many subscribers (across all clients) received it.
    public func publish(channel: String, message: [UInt8], on eventLoop: EventLoop? = nil) -> EventLoopFuture<Int> {
        self.send(["PUBLISH", RedisArgument(channel), RedisArgument(message)], on: eventLoop).flatMapThrowing { reply in
            guard let receivers = reply.int else { throw RedisError.protocolError("PUBLISH answered \(reply)") }
            return receivers
        }
    }

    /// Subscribes on the client's dedicated pub/sub connection. `onMessage` gets each message's payload;
    /// `onReconnect` is called after the connection was lost and the subscription restored, since messages
    /// may have been missed meanwhile (resync from the source of truth). Both run on an event loop: keep them
    /// short. The future completes when Redis confirms the subscription (it fails when Redis is unreachable,
    /// but the subscription stays registered and is made when Redis comes back).
    @discardableResult
    public func subscribe(
        channel: String,
        onMessage: @escaping @Sendable ([UInt8]) -> Void,
        onReconnect: @escaping @Sendable () -> Void
    ) -> EventLoopFuture<Void> {
        let subscriber = self.subscriber.withLockedValue { state -> RedisSubscriber? in
            guard !state.isShutDown else { return nil }
            if let subscriber = state.subscriber { return subscriber }
            let created = RedisSubscriber(eventLoop: self.group.next(), configuration: self.configuration, logger: self.logger)
            created.start()
            state.subscriber = created
            return created
        }
        guard let subscriber else { return self.group.any().makeFailedFuture(RedisError.connectionClosed) }
        return subscriber.subscribe(channel: channel, onMessage: onMessage, onReconnect: onReconnect)
    }

    /// `.up`, or `.down(since:)` while the circuit breaker is open.
    public var health: RedisHealth { self.pool.health }

    /// Closes every connection; later commands fail with `.connectionClosed`.
    public func shutdown() async {
        let subscriber = self.subscriber.withLockedValue { state -> RedisSubscriber? in
            state.isShutDown = true
            defer { state.subscriber = nil }
            return state.subscriber
        }
        try? await self.pool.shutdown().get()
        try? await subscriber?.shutdown().get()
    }
}
