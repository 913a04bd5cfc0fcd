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
    let host: String
    let target: RequestTarget
    /// How the client framed its body.
    let framing: RequestFraming
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

    /// The client sent `Expect: 100-continue`; the gateway answers it itself.
    var expectsContinue: Bool { self.framing.expectsContinue }

    /// The request as the origin will see it: normalised target, hop-by-hop headers removed,
    /// X-Forwarded-* and Via added; for a cacheable fetch, GET with the gateway's own validators.
    /// Built only when a request goes to the origin: a hit never pays for it.
    func originHead(via: String) -> HTTPRequestHead {
        var head = ForwardedRequest.head(for: self.clientHead, target: self.target, identity: self.identity, framing: self.framing, via: via)
        if let cache = self.cache {
            head.method = .GET
            CacheFill.conditionalHeaders(for: cache.stale, into: &head.headers)
        }
        return head
    }

    var clientVersion: HTTPVersion { self.clientHead.version }
    var clientKeepAlive: Bool { self.clientHead.isKeepAlive }
    var method: HTTPMethod { self.clientHead.method }
}
