import NIOCore
import NIOHTTP1
import Rules

/// What the pipeline decided to send to the origin for one request, and what it needs to remember
/// to shape the answer and record it.
struct ForwardPlan {
    let decision: Decision
    let identity: ClientIdentity
    /// The request as the origin will see it: normalised target, hop-by-hop headers removed,
    /// X-Forwarded-* and Via added.
    let originHead: HTTPRequestHead
    let clientVersion: HTTPVersion
    let clientKeepAlive: Bool
    let method: HTTPMethod
    /// The normalised path and query, for logs.
    let target: String
    /// The request carries a body (Content-Length > 0 or chunked).
    let hasBody: Bool
    /// The client sent `Expect: 100-continue`; the gateway answers it itself.
    let expectsContinue: Bool
    let maxBodyBytes: Int
    let startedAt: NIODeadline
}
