/// Why a command got no usable reply.
public enum RedisError: Error, Sendable, Equatable {
    /// Failed fast without contacting Redis: the circuit breaker is open, or no connection is up.
    case unavailable
    /// The reply did not come within `commandTimeout` (the connection is closed: its reply stream is out of step).
    case timeout
    /// The connection closed before the reply came, or the client was shut down.
    case connectionClosed
    /// Redis answered with an error reply (`-ERR ...`, `-WRONGTYPE ...`, `-NOSCRIPT ...`): the full message.
    case server(String)
    /// The bytes from Redis were not valid RESP, or a reply came that no command was waiting for.
    case protocolError(String)
}

extension RedisError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unavailable: return "redis unavailable"
        case .timeout: return "redis command timed out"
        case .connectionClosed: return "redis connection closed"
        case .server(let message): return "redis error: \(message)"
        case .protocolError(let message): return "redis protocol error: \(message)"
        }
    }
}
