import NIOCore
import NIOHTTP1
import Rules

/// What the pipeline decided to send to the origin for one request, and what it needs to remember
/// to shape the answer and record it.
struct ForwardPlan {
    let decision: Decision
    let identity: ClientIdentity
    /// The request as the client sent it.
    let clientHead: HTTPRequestHead
    /// The request as the origin will see it: normalised target, hop-by-hop headers removed,
    /// X-Forwarded-* and Via added; for a cacheable fetch, GET with the gateway's own validators.
    var originHead: HTTPRequestHead
    let host: String
    let target: RequestTarget
    /// The request carries a body (Content-Length > 0 or chunked).
    let hasBody: Bool
    /// The client sent `Expect: 100-continue`; the gateway answers it itself.
    let expectsContinue: Bool
    let maxBodyBytes: Int
    let startedAt: NIODeadline
    /// Set when the answer may be stored.
    var cache: CachePlan?
    /// What the response says about the cache when nothing is stored (bypass, unsafe method, ...).
    var passOutcome: CacheOutcome?
    /// The rule's rate-limit verdict, reported on the response (X-RateLimit-*, RateLimit).
    var limit: LimitVerdict?
    /// L2 (Redis) has been asked for this request's key already.
    var sharedChecked = false

    var clientVersion: HTTPVersion { self.clientHead.version }
    var clientKeepAlive: Bool { self.clientHead.isKeepAlive }
    var method: HTTPMethod { self.clientHead.method }
}
