import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The pub/sub connection: its own, since a subscribed connection can carry nothing else. It reconnects with
/// backoff whenever it is lost, subscribes to every channel again, and then tells each subscriber that
/// messages may have been missed. A PING every `subscriberKeepaliveInterval` notices a Redis gone silent.
final class RedisSubscriber: Sendable {
    private struct Subscription: Sendable {
        let onMessage: @Sendable ([UInt8]) -> Void
        let onReconnect: @Sendable () -> Void
    }

    private struct State {
        var subscriptions: [String: [Subscription]] = [:]
        var hasSubscribed = false
        var keepalive: RepeatedTask?
        var isShutDown = false
    }

    private let connection: RedisConnection
    private let configuration: RedisClientConfiguration
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    init(eventLoop: EventLoop, configuration: RedisClientConfiguration, logger: Logger) {
        self.connection = RedisConnection(eventLoop: eventLoop, configuration: configuration)
        self.configuration = configuration
        self.logger = logger
    }

    func start() {
        self.connection.observe(RedisConnection.Observer(
            onEvent: { [weak self] event in self?.handle(event) },
            onPush: { [weak self] message in self?.deliver(message) }
        ))
        let interval = TimeAmount(self.configuration.subscriberKeepaliveInterval)
        let keepalive = self.connection.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) {
            [weak self] _ in self?.ping()
        }
        self.state.withLockedValue { $0.keepalive = keepalive }
    }

    /// Completes when Redis has confirmed this subscription.
    func subscribe(
        channel name: String,
        onMessage: @escaping @Sendable ([UInt8]) -> Void,
        onReconnect: @escaping @Sendable () -> Void
    ) -> EventLoopFuture<Void> {
        let isShutDown = self.state.withLockedValue { state in
            state.subscriptions[name, default: []].append(Subscription(onMessage: onMessage, onReconnect: onReconnect))
            return state.isShutDown
        }
        guard !isShutDown else { return self.connection.eventLoop.makeFailedFuture(RedisError.connectionClosed) }
        // Connecting also subscribes to every channel (`.connected`); subscribing twice is harmless.
        return self.connection.connect().flatMap { channel in
            RedisConnection.send([["SUBSCRIBE", RedisArgument(name)]], on: channel).map { _ in }
        }
    }

    func shutdown() -> EventLoopFuture<Void> {
        let keepalive = self.state.withLockedValue { state -> RepeatedTask? in
            state.isShutDown = true
            defer { state.keepalive = nil }
            return state.keepalive
        }
        keepalive?.cancel()
        return self.connection.shutdown()
    }

    private func handle(_ event: RedisConnection.Event) {
        switch event {
        case .connected:
            self.subscribeAll()
        case .connectFailed(_, let reason):
            self.logger.debug("redis pub/sub connect failed", metadata: ["reason": "\(reason)"])
            self.reconnectLater()
        case .closed:
            self.logger.debug("redis pub/sub connection lost")
            self.reconnectLater()
        case .replied, .timedOut:
            break
        }
    }

    private func subscribeAll() {
        let names = self.state.withLockedValue { Array($0.subscriptions.keys) }
        guard !names.isEmpty, case .ready(let channel) = self.connection.route else { return }
        let command = [["SUBSCRIBE"] + names.map { RedisArgument($0) }]
        RedisConnection.send(command, expectingReplies: names.count, on: channel).whenComplete { result in
            guard case .success = result else {
                channel.close(promise: nil)  // try again on a new connection
                return
            }
            let resynced = self.state.withLockedValue { state -> [Subscription] in
                defer { state.hasSubscribed = true }
                return state.hasSubscribed ? state.subscriptions.values.flatMap { $0 } : []
            }
            if !resynced.isEmpty {
                self.logger.info("redis pub/sub resubscribed", metadata: ["channels": "\(names.count)"])
            }
            for subscription in resynced { subscription.onReconnect() }
        }
    }

    private func reconnectLater() {
        guard !self.state.withLockedValue({ $0.isShutDown }) else { return }
        let delay = self.connection.reconnectDelay
        _ = self.connection.eventLoop.scheduleTask(in: delay) { [weak self] in
            guard let self, !self.state.withLockedValue({ $0.isShutDown }) else { return }
            self.connection.connect()
        }
    }

    /// A PING in subscribed mode answers `["pong", ""]`; no answer within `commandTimeout` closes the connection.
    private func ping() {
        guard case .ready(let channel) = self.connection.route else { return }
        _ = RedisConnection.send([["PING"]], on: channel)
    }

    private func deliver(_ message: RESPValue) {
        // ["message", channel, payload] or ["pmessage", pattern, channel, payload]
        guard let parts = message.array, parts.count >= 3,
            let name = parts[parts.count - 2].string, let payload = parts[parts.count - 1].bytes
        else { return }
        let subscriptions = self.state.withLockedValue { $0.subscriptions[name] ?? [] }
        for subscription in subscriptions { subscription.onMessage(payload) }
    }
}
