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
    public let metrics: GatewayMetrics
    /// Open client connections, for metrics (set by the server).
    let connections = NIOLockedValueBox<ConnectionCap?>(nil)

    /// `clock` is the wall clock cache freshness is measured on; tests pass a `ManualWallClock`.
    public init(
        config: GatewayConfig, accessLog: AccessLog, logger: Logger, clock: any WallClock = SystemWallClock(), adminToken: String? = nil
    ) {
        self.adminToken = adminToken.flatMap { $0.isEmpty ? nil : $0 }
        self.metrics = GatewayMetrics()
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

    /// Where `reload()` gets the new configuration (the rules file plus command-line overrides).
    public typealias ConfigLoader = @Sendable () -> Result<GatewayConfig, ReloadError>
    private let loader = NIOLockedValueBox<ConfigLoaderBox?>(nil)

    private final class ConfigLoaderBox: Sendable {
        let load: ConfigLoader
        init(_ load: @escaping ConfigLoader) { self.load = load }
    }

    public func setReloader(_ load: @escaping ConfigLoader) {
        self.loader.withLockedValue { $0 = ConfigLoaderBox(load) }
    }

    /// Re-reads the configuration and swaps the rules in atomically for new requests; requests in flight
    /// keep the rules they started with. An invalid file changes nothing. Settings that need new
    /// listeners or connections (listen, admin, origin, redis, cache memory) are kept until a restart,
    /// and the result says so.
    @discardableResult
    public func reload() -> Result<ReloadSummary, ReloadError> {
        guard let load = self.loader.withLockedValue({ $0?.load }) else {
            return .failure(ReloadError(message: "this gateway was not started from a rules file"))
        }
        switch load() {
        case .failure(let error):
            self.logger.error("reload refused; the running rules stay", metadata: ["problems": "\(error.message)"])
            return .failure(error)
        case .success(var next):
            let current = self.config
            var kept: [String] = []
            if next.listen != current.listen { kept.append("listen"); next.listen = current.listen }
            if next.admin != current.admin { kept.append("admin"); next.admin = current.admin }
            if next.origin != current.origin { kept.append("origin"); next.origin = current.origin }
            if next.redis != current.redis { kept.append("redis"); next.redis = current.redis }
            if next.cache != current.cache { kept.append("cache"); next.cache = current.cache }
            let summary = ReloadSummary(before: current.rules.map(\.name), after: next.rules.map(\.name), keptUntilRestart: kept)
            self.replace(config: next)
            self.logger.info("reloaded", metadata: ["changes": "\(summary.description)"])
            return .success(summary)
        }
    }

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

    /// A finished request: one access-log line and the metrics.
    func record(_ record: AccessRecord) {
        self.accessLog.write(record)
        self.metrics.record(record)
    }

    /// `/metrics`.
    func scrapeMetrics() -> [UInt8] {
        self.metrics.scrape(
            cache: self.cache.memory.stats, redisUp: self.redis.map { $0.health.isUp },
            connections: self.connections.withLockedValue { $0?.current } ?? 0
        )
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

/// What a reload changed, for the log and the admin API.
public struct ReloadSummary: Sendable, CustomStringConvertible {
    public let before: [String]
    public let after: [String]
    /// Settings that changed in the file but take a restart.
    public let keptUntilRestart: [String]

    public var description: String {
        let added = self.after.filter { !self.before.contains($0) }
        let removed = self.before.filter { !self.after.contains($0) }
        var parts = ["\(self.after.count) rules"]
        if !added.isEmpty { parts.append("added \(added.joined(separator: ", "))") }
        if !removed.isEmpty { parts.append("removed \(removed.joined(separator: ", "))") }
        if !self.keptUntilRestart.isEmpty { parts.append("needs a restart to change: \(self.keptUntilRestart.joined(separator: ", "))") }
        return parts.joined(separator: "; ")
    }
}

public struct ReloadError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { self.message }
}
