import Logging
import NIOConcurrencyHelpers
import NIOCore
import RedisClient
import Rules

/// What every connection shares: the current rules (swapped whole on reload), the access log and the
/// logger.
public final class GatewayRuntime: Sendable {
    private let current: NIOLockedValueBox<EdgePipeline>
    let accessLog: AccessLog
    let logger: Logger
    let cache: HTTPCache
    let limiter: RateLimiter
    /// The bearer token the admin listener's purge endpoint requires; without one, purges are refused.
    let adminToken: String?

    /// `clock` is the wall clock cache freshness is measured on; tests pass a `ManualWallClock`.
    public init(
        config: GatewayConfig, accessLog: AccessLog, logger: Logger, clock: any WallClock = SystemWallClock(), adminToken: String? = nil
    ) {
        self.adminToken = adminToken.flatMap { $0.isEmpty ? nil : $0 }
        let cache = HTTPCache(config: config.cache, clock: clock)
        let limiter = RateLimiter(localShare: config.limits.localShare)
        self.cache = cache
        self.limiter = limiter
        self.current = NIOLockedValueBox(EdgePipeline(config: config, cache: cache, limiter: limiter, logger: logger, via: Self.via))
        self.accessLog = accessLog
        self.logger = logger
    }

    static let via = "1.1 edge-gateway"

    var pipeline: EdgePipeline { self.current.withLockedValue { $0 } }

    public var config: GatewayConfig { self.pipeline.config }

    /// New requests see the new rules; requests in flight keep the pipeline they started with.
    public func replace(config: GatewayConfig) {
        self.current.withLockedValue { $0 = EdgePipeline(config: config, cache: self.cache, limiter: self.limiter, logger: self.logger, via: Self.via) }
    }

    private let redisClient = NIOLockedValueBox<RedisClient?>(nil)
    private let purgeBroadcast = NIOLockedValueBox<(PurgeBroadcast, RepeatedTask)?>(nil)

    /// The shared tier, when `redis` is configured and `connectRedis` has run.
    var redis: RedisClient? { self.redisClient.withLockedValue { $0 } }

    /// Connects the shared tier (Redis) on the server's event loops: sustained limits shared by every
    /// instance. A Redis that is down costs nothing but the sharing: the client's circuit breaker fails
    /// fast and everything falls back to this instance's memory.
    func connectRedis(group: EventLoopGroup) {
        guard let config = self.config.redis, self.redis == nil else { return }
        let client = RedisClient(configuration: RedisClientConfiguration(config), group: group, logger: self.logger)
        self.redisClient.withLockedValue { $0 = client }
        self.limiter.shared = RedisLimitStore(redis: client)
        self.cache.shared = SharedTier(redis: client, maxObject: self.config.cache.maxObject.bytes)
        let broadcast = PurgeBroadcast(redis: client, cache: self.cache, logger: self.logger) { [weak self] host, target in
            self?.pipeline.keyPolicy(host: host, target: target) ?? CacheKeyPolicy()
        }
        let catchUp = broadcast.start(on: group.next())
        self.purgeBroadcast.withLockedValue { $0 = (broadcast, catchUp) }
        self.logger.info("redis", metadata: ["url": "\(config.redactedURL)"])
    }

    func disconnectRedis() async {
        let client = self.redisClient.withLockedValue { client -> RedisClient? in
            defer { client = nil }
            return client
        }
        self.limiter.shared = nil
        self.cache.shared = nil
        let broadcast = self.purgeBroadcast.withLockedValue { value -> (PurgeBroadcast, RepeatedTask)? in
            defer { value = nil }
            return value
        }
        broadcast?.1.cancel()
        await client?.shutdown()
    }

    /// Drops every stored response at once (a new key namespace).
    public func purgeEverything() { self.cache.purgeEverything() }

    /// Carries out a purge on this instance.
    public func purge(_ request: PurgeRequest) {
        let at = Int64(self.cache.clock.now() * 1000)
        if let broadcast = self.purgeBroadcast.withLockedValue({ $0?.0 }) {
            broadcast.purge(request, at: at)
        } else {
            let pipeline = self.pipeline
            self.cache.apply(request, at: at) { host, target in pipeline.keyPolicy(host: host, target: target) }
        }
        self.logger.info("purged", metadata: ["purge": "\(request.summary)"])
    }

    /// What the memory tier holds now.
    public var cacheStats: (objects: Int, bytes: Int, evictions: Int) {
        let stats = self.cache.memory.stats
        return (stats.objects, stats.bytes, stats.evictions)
    }
}
