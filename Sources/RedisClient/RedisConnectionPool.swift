import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The command connections and the circuit breaker in front of them. A command goes to a ready connection on
/// the caller's event loop when there is one (no thread hop), else to the next ready one round-robin, else
/// waits for a connection being made; when none is up, or the breaker is open, it fails fast.
final class RedisConnectionPool: Sendable {
    private struct Circuit {
        var breaker: CircuitBreaker
        var downSince: ContinuousClock.Instant?
        var lastFailure = ""
        var isShutDown = false
        var probe: Scheduled<Void>?
        var nextConnection = 0
    }

    private enum Admission {
        case admitted(startingAt: Int)
        case rejected(RedisError)
    }

    let connections: [RedisConnection]
    private let circuit: NIOLockedValueBox<Circuit>
    private let configuration: RedisClientConfiguration
    private let logger: Logger

    init(configuration: RedisClientConfiguration, group: EventLoopGroup, logger: Logger) {
        let loops = Array(group.makeIterator())
        self.connections = (0..<max(1, configuration.poolSize)).map { index in
            RedisConnection(eventLoop: loops[index % loops.count], configuration: configuration)
        }
        self.circuit = NIOLockedValueBox(Circuit(breaker: CircuitBreaker(
            failureThreshold: configuration.breakerFailureThreshold,
            openDuration: TimeAmount(configuration.breakerOpenDuration),
            maxOpenDuration: TimeAmount(configuration.breakerMaxOpenDuration)
        )))
        self.configuration = configuration
        self.logger = logger
    }

    func start() {
        for (index, connection) in self.connections.enumerated() {
            connection.observe(RedisConnection.Observer(
                onEvent: { [weak self] event in
                    guard let self else { return }
                    self.handle(event, from: self.connections[index])
                },
                onPush: nil
            ))
            connection.connect()
        }
    }

    var health: RedisHealth {
        self.circuit.withLockedValue { circuit in circuit.downSince.map { .down(since: $0) } ?? .up }
    }

    /// Sends a request, completing its replies with a failure when it cannot be sent.
    func submit(_ request: RedisRequest, preferring callerLoop: EventLoop?) {
        let start: Int
        switch self.admit() {
        case .rejected(let error):
            request.replies.fail(error)
            return
        case .admitted(let index):
            start = index
        }
        var connecting: EventLoopFuture<Channel>?
        var otherLoop: Channel?
        for offset in 0..<self.connections.count {
            let connection = self.connections[(start + offset) % self.connections.count]
            switch connection.route {
            case .ready(let channel):
                if callerLoop == nil || connection.eventLoop === callerLoop {
                    RedisConnection.write(request, to: channel)
                    return
                }
                if otherLoop == nil { otherLoop = channel }
            case .connecting(let future):
                if connecting == nil { connecting = future }
            case .down:
                continue
            }
        }
        if let channel = otherLoop {
            RedisConnection.write(request, to: channel)
        } else if let connecting {
            connecting.whenComplete { result in
                switch result {
                case .success(let channel): RedisConnection.write(request, to: channel)
                case .failure(let error): request.replies.fail(error as? RedisError ?? .unavailable)
                }
            }
        } else {
            request.replies.fail(.unavailable)
        }
    }

    func shutdown() -> EventLoopFuture<Void> {
        let probe = self.circuit.withLockedValue { circuit -> Scheduled<Void>? in
            circuit.isShutDown = true
            defer { circuit.probe = nil }
            return circuit.probe
        }
        probe?.cancel()
        let closed = self.connections.map { $0.shutdown() }
        return EventLoopFuture.andAllComplete(closed, on: self.connections[0].eventLoop)
    }

    private func admit() -> Admission {
        self.circuit.withLockedValue { circuit in
            if circuit.isShutDown { return .rejected(.connectionClosed) }
            guard circuit.breaker.admitsCommands else { return .rejected(.unavailable) }
            circuit.nextConnection = (circuit.nextConnection + 1) % self.connections.count
            return .admitted(startingAt: circuit.nextConnection)
        }
    }

    private func handle(_ event: RedisConnection.Event, from connection: RedisConnection) {
        switch event {
        case .replied:
            self.circuit.withLockedValue { $0.breaker.recordSuccess() }
        case .timedOut:
            self.recordFailure("no reply within \(self.configuration.commandTimeout)")
        case .connected:
            self.logger.debug("redis connected", metadata: ["redis": "\(self.configuration.redactedURL)"])
        case .connectFailed(let error, let reason):
            self.logger.debug("redis connect failed", metadata: ["redis": "\(self.configuration.redactedURL)", "reason": "\(reason)"])
            // A handshake timeout was already counted by the handler's `.timedOut`.
            if error != .timeout { self.recordFailure(reason) }
            self.reconnectLater(connection)
        case .closed:
            self.reconnectLater(connection)
        }
    }

    /// While the breaker is open connections stay down: the probe reconnects one, and closing wakes the rest.
    private func reconnectLater(_ connection: RedisConnection) {
        guard self.admitsReconnects else { return }
        let delay = connection.reconnectDelay
        guard delay > .zero else {
            connection.connect()
            return
        }
        _ = connection.eventLoop.scheduleTask(in: delay) { [weak self] in
            guard let self, self.admitsReconnects else { return }
            connection.connect()
        }
    }

    private var admitsReconnects: Bool {
        self.circuit.withLockedValue { !$0.isShutDown && $0.breaker.admitsCommands }
    }

    private func recordFailure(_ reason: String) {
        let transition = self.circuit.withLockedValue { circuit -> CircuitBreaker.Transition? in
            circuit.lastFailure = reason
            let transition = circuit.breaker.recordFailure(now: .now())
            if case .opened = transition { circuit.downSince = .now }
            return transition
        }
        guard case .opened(let until) = transition else { return }
        self.logger.warning("redis unavailable, serving without it", metadata: [
            "redis": "\(self.configuration.redactedURL)", "reason": "\(reason)",
            "retry_in": "\(self.configuration.breakerOpenDuration)",
        ])
        self.scheduleProbe(at: until)
    }

    private func scheduleProbe(at deadline: NIODeadline) {
        let task = self.connections[0].eventLoop.scheduleTask(deadline: deadline) { [weak self] () -> Void in
            self?.probe()
        }
        let cancelled = self.circuit.withLockedValue { circuit -> Bool in
            guard !circuit.isShutDown else { return true }
            circuit.probe = task
            return false
        }
        if cancelled { task.cancel() }
    }

    /// One PING on the first connection (connecting it if need be) decides whether the breaker closes.
    private func probe() {
        let shouldProbe = self.circuit.withLockedValue { circuit in
            !circuit.isShutDown && circuit.breaker.startProbe(now: .now())
        }
        guard shouldProbe else { return }
        self.connections[0].connect()
            .flatMap { channel in RedisConnection.send([["PING"]], on: channel) }
            .flatMapThrowing { replies in
                if let message = replies.first?.errorMessage { throw RedisError.server(message) }
            }
            .whenComplete { [weak self] result in self?.finishProbe(result) }
    }

    private func finishProbe(_ result: Result<Void, Error>) {
        let (transition, downSince, lastFailure) = self.circuit.withLockedValue { circuit in
            let transition: CircuitBreaker.Transition?
            switch result {
            case .success: transition = circuit.breaker.probeSucceeded()
            case .failure(let error):
                circuit.lastFailure = "\(error)"
                transition = circuit.breaker.probeFailed(now: .now())
            }
            let downSince = circuit.downSince
            if transition == .closed { circuit.downSince = nil }
            return (transition, downSince, circuit.lastFailure)
        }
        switch transition {
        case .closed:
            let downFor = downSince.map { ContinuousClock.now - $0 } ?? .zero
            self.logger.info("redis back", metadata: ["redis": "\(self.configuration.redactedURL)", "down_for": "\(downFor)"])
            for connection in self.connections where connection.isIdle { connection.connect() }
        case .reopened(let until):
            self.logger.debug("redis still unavailable", metadata: [
                "redis": "\(self.configuration.redactedURL)", "reason": "\(lastFailure)",
            ])
            self.scheduleProbe(at: until)
        case .opened, nil:
            break
        }
    }
}
