import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import Rules
import ServiceLifecycle

/// The edge listener and the admin listener, run as a swift-service-lifecycle `Service`: on graceful
/// shutdown (SIGTERM, SIGINT) it stops accepting, lets requests in flight finish within
/// `server.drain_timeout`, then closes what is left.
public final class GatewayServer: Service, @unchecked Sendable {
    // @unchecked: the mutable fields are written once in `start()` before any concurrent use.
    public let runtime: GatewayRuntime
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger
    private let cap: ConnectionCap
    private let quiescing: ServerQuiescingHelper
    private var pools: [ObjectIdentifier: NIOLoopBound<OriginPool>] = [:]
    private var serverChannel: Channel?
    private var admin: AdminServer?
    private var flushTask: RepeatedTask?

    /// Where the edge listener is bound (useful with port 0).
    public private(set) var localAddress: SocketAddress?
    public var adminAddress: SocketAddress? { self.admin?.localAddress }

    /// `threads` event loops (default: one per core), each with its own origin pool.
    public init(runtime: GatewayRuntime, threads: Int? = nil, logger: Logger) {
        self.runtime = runtime
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads ?? System.coreCount))
        self.logger = logger
        let config = runtime.config
        let cap = ConnectionCap(
            limit: config.server.maxConnections, perIPLimit: config.server.maxConnectionsPerIP, exempt: config.clients.trustedProxies
        )
        self.cap = cap
        runtime.connections.withLockedValue { $0 = cap }
        // The helper completes a promise when it is released: give it a loop that outlives this server's.
        self.quiescing = ServerQuiescingHelper(group: MultiThreadedEventLoopGroup.singleton)
    }

    /// Binds both listeners. Throws when an address is taken or invalid.
    public func start() async throws {
        let config = self.runtime.config
        for loop in self.group.makeIterator() {
            let pool = try await loop.submit {
                NIOLoopBound(OriginPool(eventLoop: loop, origin: config.origin, logger: self.logger), eventLoop: loop)
            }.get()
            self.pools[ObjectIdentifier(loop)] = pool
        }
        let pools = self.pools
        let runtime = self.runtime
        let cap = self.cap
        let quiescing = self.quiescing
        let limits = config.server
        let decoderLimits = {
            var decoderLimits = NIOHTTPDecoderLimitConfiguration()
            decoderLimits.maxHeaderListSize = limits.maxHeaderBytes.bytes
            decoderLimits.maxHeaderFieldSize = limits.maxHeaderBytes.bytes
            return decoderLimits
        }()
        let bootstrap = ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                switch cap.admit(channel) {
                case .admitted:
                    break
                case .overTotal:
                    runtime.metrics.connectionRefused(cap: "total")
                    return channel.close()
                case .overPerIP:
                    runtime.metrics.connectionRefused(cap: "per_ip")
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    guard let pool = pools[ObjectIdentifier(channel.eventLoop)]?.value else {
                        throw ChannelError.ioOnClosedChannel
                    }
                    let clock = ConnectionClock(channel: channel, limits: limits)
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ClientReadObserver(clock: clock))
                    // The request decoder (llhttp), then the edge: it writes responses as bytes and keeps
                    // pipelined requests in order itself (EdgeHandler, ResponseBytes), so nothing else sits
                    // on a response's way out.
                    try sync.addHandler(
                        ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: decoderLimits))
                    )
                    try sync.addHandler(EdgeHandler(runtime: runtime, pool: pool, clock: clock))
                    clock.start()
                }
            }
        runtime.connectRedis(group: self.group)
        let listen = config.listen
        let channel = try await bootstrap.bind(host: listen.host, port: listen.port).get()
        self.serverChannel = channel
        self.localAddress = channel.localAddress
        let admin = AdminServer(group: self.group, runtime: runtime, logger: self.logger)
        try await admin.start(at: config.admin)
        self.admin = admin
        let accessLog = runtime.accessLog
        self.flushTask = self.group.next().scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            accessLog.flush()
        }
        self.logger.info(
            "listening",
            metadata: [
                "listen": "\(self.localAddress.map(String.init(describing:)) ?? "?")",
                "admin": "\(admin.localAddress.map(String.init(describing:)) ?? "?")",
                "origin": "\(config.origin.url)",
                "rules": "\(config.rules.count)",
            ]
        )
    }

    /// `Service`: serve until graceful shutdown, then drain.
    public func run() async throws {
        if self.serverChannel == nil { try await self.start() }
        try? await gracefulShutdown()
        await self.stop()
    }

    /// Stops accepting, waits up to `server.drain_timeout` for requests in flight, then closes the rest.
    public func stop() async {
        let drainTimeout = self.runtime.config.server.drainTimeout
        self.logger.info("draining", metadata: ["timeout": "\(drainTimeout.rulesSpelling)"])
        let loop = self.group.next()
        let quiesced = loop.makePromise(of: Void.self)
        let drained = loop.makePromise(of: Void.self)
        let completed = NIOLockedValueBox(false)
        let complete: @Sendable () -> Void = {
            if completed.withLockedValue({ done in defer { done = true }; return !done }) { drained.succeed(()) }
        }
        quiesced.futureResult.whenComplete { _ in complete() }
        let timeout = loop.scheduleTask(in: TimeAmount(drainTimeout)) { complete() }
        self.quiescing.initiateShutdown(promise: quiesced)
        try? await drained.futureResult.get()
        timeout.cancel()
        self.flushTask?.cancel()
        await self.admin?.stop()
        await self.runtime.disconnectRedis()
        for pool in self.pools.values {
            try? await pool.eventLoop.submit { pool.value.shutDown() }.get()
        }
        self.runtime.accessLog.flush()
        try? await self.group.shutdownGracefully()
        self.logger.info("stopped")
    }
}
