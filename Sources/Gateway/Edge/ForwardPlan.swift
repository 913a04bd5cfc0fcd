import NIOCore
import NIOHTTP1
import Rules

/// What the pipeline decided to send to the origin for one request, and what it needs to remember
/// to shape the answer and record it.
///
/// What is fixed once the request is routed lives in one object (`Routed`), so that handing the plan from
/// step to step — it travels in every `EdgePipeline.Start` — copies a few words and retains once, not
/// every field of the request and its rule.
struct ForwardPlan {
    final class Routed: Sendable {
        let decision: Decision
        let identity: ClientIdentity
        let clientHead: HTTPRequestHead
        let host: String
        let target: RequestTarget
        let framing: RequestFraming
        let maxBodyBytes: Int
        let startedAt: NIODeadline

        init(
            decision: Decision, identity: ClientIdentity, clientHead: HTTPRequestHead, host: String, target: RequestTarget,
            framing: RequestFraming, maxBodyBytes: Int, startedAt: NIODeadline
        ) {
            self.decision = decision
            self.identity = identity
            self.clientHead = clientHead
            self.host = host
            self.target = target
            self.framing = framing
            self.maxBodyBytes = maxBodyBytes
            self.startedAt = startedAt
        }
    }

    let routed: Routed

    init(
        decision: Decision, identity: ClientIdentity, clientHead: HTTPRequestHead, host: String, target: RequestTarget,
        framing: RequestFraming, maxBodyBytes: Int, startedAt: NIODeadline
    ) {
        self.routed = Routed(
            decision: decision, identity: identity, clientHead: clientHead, host: host, target: target, framing: framing,
            maxBodyBytes: maxBodyBytes, startedAt: startedAt
        )
    }

    var decision: Decision { self.routed.decision }
    var identity: ClientIdentity { self.routed.identity }
    /// The request as the client sent it.
    var clientHead: HTTPRequestHead { self.routed.clientHead }
    var host: String { self.routed.host }
    var target: RequestTarget { self.routed.target }
    /// How the client framed its body.
    var framing: RequestFraming { self.routed.framing }
    var maxBodyBytes: Int { self.routed.maxBodyBytes }
    var startedAt: NIODeadline { self.routed.startedAt }

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
