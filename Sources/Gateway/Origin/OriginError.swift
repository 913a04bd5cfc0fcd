/// Why the origin could not answer; each maps to the status the client gets.
enum OriginError: Error, Equatable {
    /// Connection refused, unreachable, or reset before a response: 502.
    case connectFailed(String)
    /// No connection within `origin.connect_timeout`: 504.
    case connectTimedOut
    /// No response head within `origin.response_timeout`: 504.
    case responseTimedOut
    /// The connection closed before the response was complete: 502 (or a truncated close, mid-body).
    case closedEarly
    /// The origin sent something that is not HTTP/1.1: 502.
    case protocolError(String)
    /// Every connection of the pool is busy and the wait for one ran out: 503.
    case poolExhausted

    var isTimeout: Bool {
        switch self {
        case .connectTimedOut, .responseTimedOut: return true
        default: return false
        }
    }
}
