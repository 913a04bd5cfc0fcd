import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Rules

/// Keep-alive connections to the origin for one event loop. Every method runs on that loop, so an
/// exchange never hops threads and the pool needs no lock.
final class OriginPool {
    let eventLoop: EventLoop
    private let origin: OriginConfig
    private let logger: Logger
    private var idle: [OriginConnection] = []
    private var openCount = 0
    private var waiters = CircularBuffer<Waiter>()
    private var isShutDown = false

    typealias LeaseCallback = (Result<OriginLease, OriginError>) -> Void

    private struct Waiter {
        let callback: LeaseCallback
        let timeout: Scheduled<Void>
        let id: Int
    }
    private var nextWaiterID = 0

    init(eventLoop: EventLoop, origin: OriginConfig, logger: Logger) {
        self.eventLoop = eventLoop
        self.origin = origin
        self.logger = logger
    }

    /// An idle connection when there is one, a new one while under `origin.max_connections`, or a
    /// place in the queue for the next one released (bounded by the connect timeout). The callback
    /// runs on this pool's event loop.
    func lease(_ callback: @escaping LeaseCallback) {
        self.eventLoop.preconditionInEventLoop()
        if self.isShutDown {
            callback(.failure(.connectFailed("shutting down")))
            return
        }
        while let connection = self.idle.popLast() {
            guard connection.isOpen, connection.channel.isActive else { continue }
            connection.idleTimer?.cancel()
            connection.idleTimer = nil
            connection.requestCount += 1
            callback(.success(OriginLease(connection: connection, wasReused: true)))
            return
        }
        if self.openCount < self.origin.maxConnections {
            self.connect(callback)
            return
        }
        let id = self.nextWaiterID
        self.nextWaiterID += 1
        let timeout = self.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(self.origin.connectTimeout)) {
            self.failWaiter(id: id)
        }
        self.waiters.append(Waiter(callback: callback, timeout: timeout, id: id))
    }

    /// Opens a new connection whatever the idle list holds, for a retry after a reused one failed.
    func leaseNew(_ callback: @escaping LeaseCallback) {
        self.connect(callback)
    }

    /// Hands the connection back after a complete exchange; a connection that may not be reused is closed.
    func release(_ connection: OriginConnection, reusable: Bool) {
        self.eventLoop.preconditionInEventLoop()
        connection.handler.detach()
        guard reusable, connection.isOpen, connection.channel.isActive, !self.isShutDown else {
            connection.close()
            return
        }
        if let waiter = self.waiters.popFirst() {
            waiter.timeout.cancel()
            connection.requestCount += 1
            waiter.callback(.success(OriginLease(connection: connection, wasReused: true)))
            return
        }
        connection.idleTimer = self.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(self.origin.idleTimeout)) {
            connection.close()
        }
        self.idle.append(connection)
    }

    func shutDown() {
        self.isShutDown = true
        for connection in self.idle { connection.close() }
        self.idle.removeAll()
        while let waiter = self.waiters.popFirst() {
            waiter.timeout.cancel()
            waiter.callback(.failure(.connectFailed("shutting down")))
        }
    }

    private func failWaiter(id: Int) {
        guard let index = self.waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = self.waiters.remove(at: index)
        waiter.callback(.failure(.poolExhausted))
    }

    private func connectionClosed(_ connection: OriginConnection) {
        connection.isOpen = false
        connection.idleTimer?.cancel()
        self.openCount -= 1
        if let index = self.idle.firstIndex(where: { $0 === connection }) {
            self.idle.remove(at: index)
        }
        // A slot opened: the longest waiter gets a fresh connection.
        if !self.isShutDown, let waiter = self.waiters.popFirst() {
            waiter.timeout.cancel()
            self.connect(waiter.callback)
        }
    }

    private func connect(_ callback: @escaping LeaseCallback) {
        self.openCount += 1
        let bootstrap = ClientBootstrap(group: self.eventLoop)
            .connectTimeout(TimeAmount(self.origin.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(HTTPRequestEncoder())
                    try sync.addHandler(
                        ByteToMessageHandler(
                            HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop)
                        )
                    )
                    try sync.addHandler(OriginResponseHandler())
                }
            }
        let target = self.origin.url
        bootstrap.connect(host: target.host, port: target.port).assumeIsolated().whenComplete { result in
            switch result {
            case .failure(let error):
                self.openCount -= 1
                if let channelError = error as? ChannelError, case .connectTimeout = channelError {
                    callback(.failure(.connectTimedOut))
                } else {
                    callback(.failure(.connectFailed("\(error)")))
                }
                // The slot is free again: the longest waiter tries its own connection.
                if !self.isShutDown, let waiter = self.waiters.popFirst() {
                    waiter.timeout.cancel()
                    self.connect(waiter.callback)
                }
            case .success(let channel):
                guard let handler = try? channel.pipeline.syncOperations.handler(type: OriginResponseHandler.self) else {
                    self.openCount -= 1
                    channel.close(promise: nil)
                    callback(.failure(.connectFailed("origin connection pipeline missing")))
                    return
                }
                let connection = OriginConnection(channel: channel, handler: handler)
                connection.requestCount = 1
                guard channel.isActive else {
                    // Closed between connect and now: the close callback will never fire.
                    self.connectionClosed(connection)
                    callback(.failure(.closedEarly))
                    return
                }
                handler.onClose = { [weak self] in self?.connectionClosed(connection) }
                callback(.success(OriginLease(connection: connection, wasReused: false)))
            }
        }
    }
}
