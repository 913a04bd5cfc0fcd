import Rules

/// Where Redis is and how patient to be with it. The defaults suit a Redis on the same network as the gateway:
/// a cache or a rate limiter that waits longer than this for Redis is slower than doing without it.
public struct RedisClientConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The Redis 6 ACL user; nil authenticates as `default` (`AUTH password`).
    public var username: String?
    public var password: String?
    public var database: Int
    /// Persistent connections for commands (pub/sub uses one more of its own). Spread them over the event loops:
    /// a command sent from an event loop that has a connection of its own does not hop threads.
    public var poolSize: Int = 4
    public var connectTimeout: Duration = .milliseconds(500)
    /// How long a command may wait for its reply (the connection must make progress within this time).
    public var commandTimeout: Duration = .milliseconds(250)
    /// Consecutive failures (connect errors, timeouts) that open the circuit breaker.
    public var breakerFailureThreshold: Int = 3
    /// How long the open breaker fails commands fast before one PING probes Redis; doubles after each failed
    /// probe, up to `breakerMaxOpenDuration`.
    public var breakerOpenDuration: Duration = .seconds(1)
    public var breakerMaxOpenDuration: Duration = .seconds(8)
    /// Reconnect backoff: the first reconnect after losing a good connection is immediate, then this doubles.
    public var reconnectBaseDelay: Duration = .milliseconds(50)
    public var reconnectMaxDelay: Duration = .seconds(2)
    /// The pub/sub connection PINGs this often, so a silent Redis is noticed even when no message is due.
    public var subscriberKeepaliveInterval: Duration = .seconds(1)

    public init(host: String = "127.0.0.1", port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// From `redis.url` in rules.yaml.
    public init(_ config: RedisConfig) {
        self.init(
            host: config.host, port: config.port, username: config.username, password: config.password,
            database: config.database
        )
    }

    /// The address with the password hidden, for logs.
    public var redactedURL: String {
        let auth = self.password == nil ? "" : "\(self.username ?? ""):***@"
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "redis://\(auth)\(host):\(self.port)/\(self.database)"
    }
}
