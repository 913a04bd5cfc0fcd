/// Whether the client is sending commands to Redis, for readiness checks and metrics.
public enum RedisHealth: Sendable, Equatable {
    case up
    /// The circuit breaker is open: commands fail fast with `RedisError.unavailable` since `since`.
    case down(since: ContinuousClock.Instant)

    public var isUp: Bool { self == .up }
}
