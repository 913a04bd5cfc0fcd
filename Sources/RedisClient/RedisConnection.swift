import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One persistent connection to Redis on a fixed event loop: connects, authenticates and selects the
/// database, then carries pipelined commands until it closes. It never reconnects by itself; its owner (the
/// pool, or the subscriber) hears every event and decides when to call `connect()` again.
final class RedisConnection: Sendable {
    enum Event: Sendable {
        case connected
        /// No usable connection came of an attempt: refused, connect timeout, AUTH or SELECT rejected.
        case connectFailed(RedisError, reason: String)
        /// At least one reply arrived: Redis is answering.
        case replied
        /// Replies stopped coming for `commandTimeout`; the connection is being closed.
        case timedOut
        /// A connection that was ready has closed.
        case closed
    }

    /// What a command can do with this connection right now.
    enum Route {
        case ready(Channel)
        case connecting(EventLoopFuture<Channel>)
        case down
    }

    struct Observer: Sendable {
        let onEvent: @Sendable (Event) -> Void
        let onPush: (@Sendable (RESPValue) -> Void)?
    }

    private enum Phase {
        case idle
        case connecting(EventLoopFuture<Channel>)
        case ready(Channel)
        case shutDown
    }

    private struct State {
        var phase: Phase = .idle
        var observer: Observer?
        /// Failed connects, and connections lost soon after they were made, since a connection last stayed up:
        /// for backoff (a server that accepts and then drops every connection must not be hammered).
        var failedAttempts = 0
        var readySince: NIODeadline?
    }

    /// A connection that lived this long before closing was fine: the next reconnect is immediate.
    private static let stableLifetime = TimeAmount.seconds(1)

    let eventLoop: EventLoop
    private let configuration: RedisClientConfiguration
    private let state = NIOLockedValueBox(State())

    init(eventLoop: EventLoop, configuration: RedisClientConfiguration) {
        self.eventLoop = eventLoop
        self.configuration = configuration
    }

    /// Set once, before the first `connect()`.
    func observe(_ observer: Observer) {
        self.state.withLockedValue { $0.observer = observer }
    }

    var route: Route {
        self.state.withLockedValue { state in
            switch state.phase {
            case .ready(let channel): return .ready(channel)
            case .connecting(let future): return .connecting(future)
            case .idle, .shutDown: return .down
            }
        }
    }

    var isIdle: Bool {
        self.state.withLockedValue { state in
            if case .idle = state.phase { return true }
            return false
        }
    }

    /// How long to wait before the next connect attempt: none after losing a connection that had been up for
    /// a while, then `reconnectBaseDelay` doubling up to `reconnectMaxDelay`.
    var reconnectDelay: TimeAmount {
        let attempts = self.state.withLockedValue { $0.failedAttempts }
        guard attempts > 0 else { return .zero }
        let base = TimeAmount(self.configuration.reconnectBaseDelay).nanoseconds
        let cap = TimeAmount(self.configuration.reconnectMaxDelay).nanoseconds
        let exponent = min(attempts - 1, 30)
        return .nanoseconds(min(base.multipliedReportingOverflow(by: 1 << exponent).partialValue, cap))
    }

    /// The ready channel, the attempt under way, or a new attempt.
    @discardableResult
    func connect() -> EventLoopFuture<Channel> {
        enum Start {
            case existing(EventLoopFuture<Channel>)
            case new(EventLoopPromise<Channel>, Observer?)
        }
        let start = self.state.withLockedValue { state -> Start in
            switch state.phase {
            case .ready(let channel): return .existing(self.eventLoop.makeSucceededFuture(channel))
            case .connecting(let future): return .existing(future)
            case .shutDown: return .existing(self.eventLoop.makeFailedFuture(RedisError.connectionClosed))
            case .idle:
                let promise = self.eventLoop.makePromise(of: Channel.self)
                state.phase = .connecting(promise.futureResult)
                return .new(promise, state.observer)
            }
        }
        switch start {
        case .existing(let future):
            return future
        case .new(let promise, let observer):
            let future = promise.futureResult
            future.whenComplete { result in self.finishConnecting(future, result: result, observer: observer) }
            self.openChannel(observer: observer).cascade(to: promise)
            return future
        }
    }

    /// Closes for good: waiting commands fail with `.connectionClosed`.
    func shutdown() -> EventLoopFuture<Void> {
        let phase = self.state.withLockedValue { state -> Phase in
            let phase = state.phase
            state.phase = .shutDown
            state.observer = nil
            return phase
        }
        switch phase {
        case .ready(let channel):
            return channel.close().recover { _ in }
        case .connecting(let future):
            return future.flatMap { $0.close() }.recover { _ in }
        case .idle, .shutDown:
            return self.eventLoop.makeSucceededVoidFuture()
        }
    }

    /// Writes a request to a channel; if the channel has already closed, the replies fail.
    static func write(_ request: RedisRequest, to channel: Channel) {
        let written = channel.eventLoop.makePromise(of: Void.self)
        let replies = request.replies
        written.futureResult.whenFailure { _ in replies.fail(.connectionClosed) }
        channel.writeAndFlush(request, promise: written)
    }

    /// Sends commands on a channel and collects their replies (error replies included, as values). Usually one
    /// reply per command; SUBSCRIBE with N channels is answered N times.
    static func send(
        _ commands: [[RedisArgument]], expectingReplies replyCount: Int? = nil, on channel: Channel
    ) -> EventLoopFuture<[RESPValue]> {
        var bytes = channel.allocator.buffer(capacity: 64)
        for command in commands { RESPCommandEncoder.encode(command, into: &bytes) }
        let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
        self.write(RedisRequest(bytes: bytes, replies: .many(count: replyCount ?? commands.count, promise)), to: channel)
        return promise.futureResult
    }

    private func openChannel(observer: Observer?) -> EventLoopFuture<Channel> {
        let timeout = TimeAmount(self.configuration.commandTimeout)
        let onEvent: @Sendable (Event) -> Void
        if let observer { onEvent = observer.onEvent } else { onEvent = { _ in } }
        let onPush = observer?.onPush
        let handshake = self.handshake
        return ClientBootstrap(group: self.eventLoop)
            .connectTimeout(TimeAmount(self.configuration.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RedisCommandHandler(commandTimeout: timeout, onEvent: onEvent, onPush: onPush)
                    )
                }
            }
            .connect(host: self.configuration.host, port: self.configuration.port)
            .flatMap { channel in
                guard !handshake.isEmpty else { return channel.eventLoop.makeSucceededFuture(channel) }
                return Self.send(handshake, on: channel).flatMapThrowing { replies in
                    if let message = replies.lazy.compactMap(\.errorMessage).first { throw RedisError.server(message) }
                    return channel
                }.flatMapError { error in
                    channel.close(promise: nil)
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
    }

    /// AUTH and SELECT, before the connection carries any command.
    private var handshake: [[RedisArgument]] {
        var commands: [[RedisArgument]] = []
        if let password = self.configuration.password {
            if let username = self.configuration.username {
                commands.append(["AUTH", RedisArgument(username), RedisArgument(password)])
            } else {
                commands.append(["AUTH", RedisArgument(password)])
            }
        }
        if self.configuration.database != 0 {
            commands.append(["SELECT", RedisArgument(self.configuration.database)])
        }
        return commands
    }

    private func finishConnecting(_ future: EventLoopFuture<Channel>, result: Result<Channel, Error>, observer: Observer?) {
        enum Outcome { case connected(Channel), failed, abandoned(Channel?) }
        let outcome = self.state.withLockedValue { state -> Outcome in
            guard case .connecting(let current) = state.phase, current === future else {
                return .abandoned(try? result.get())
            }
            switch result {
            case .success(let channel):
                state.phase = .ready(channel)
                state.readySince = .now()
                return .connected(channel)
            case .failure:
                state.phase = .idle
                state.failedAttempts += 1
                return .failed
            }
        }
        switch outcome {
        case .connected(let channel):
            observer?.onEvent(.connected)
            channel.closeFuture.whenComplete { _ in self.channelClosed(channel) }
        case .failed:
            guard case .failure(let error) = result else { return }
            let redisError = error as? RedisError ?? .unavailable
            observer?.onEvent(.connectFailed(redisError, reason: "\(error)"))
        case .abandoned(let channel):
            channel?.close(promise: nil)  // shut down while connecting
        }
    }

    private func channelClosed(_ channel: Channel) {
        let observer = self.state.withLockedValue { state -> Observer? in
            guard case .ready(let current) = state.phase, current === channel else { return nil }
            state.phase = .idle
            if let readySince = state.readySince, .now() - readySince >= Self.stableLifetime {
                state.failedAttempts = 0
            } else {
                state.failedAttempts += 1
            }
            state.readySince = nil
            return state.observer
        }
        observer?.onEvent(.closed)
    }
}

extension RESPValue {
    var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}
