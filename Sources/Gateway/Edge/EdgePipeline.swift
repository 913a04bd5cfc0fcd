import NIOCore
import NIOHTTP1
import Rules

/// A request's walk through the edge, top to bottom (DESIGN.md, "A request's walk"):
///
///   0 admit     bounds on the request head: 414, 431, 413 by declared length, 400 for what is not HTTP
///   1 identify  client IP (X-Forwarded-For only from trusted proxies), host, normalised path and query
///   2 route     rules.decide(request) -> Decision
///   5 forward   the request as the origin will see it
///   6 shape     the origin's answer as the client will see it
///   7 record    the access log line
///
/// The steps are pure: the `EdgeHandler` runs the I/O they decide on.
struct EdgePipeline {
    let config: GatewayConfig
    let via: String

    enum Start {
        case respond(LocalResponse)
        case forward(ForwardPlan)
    }

    func start(_ head: HTTPRequestHead, peerIP: String, now: NIODeadline) -> Start {
        // 0 admit
        if let refusal = RequestBounds.refusal(for: head, limits: self.config.server) {
            return .respond(refusal)
        }
        // 1 identify
        let target: RequestTarget
        let host: String
        switch RequestAddress.resolve(head) {
        case .failure(let refusal): return .respond(refusal)
        case .success(let address): (target, host) = (address.target, address.host)
        }
        let identity = ClientIdentity.resolve(
            peerIP: peerIP, headers: head.headers, trustedProxies: self.config.clients.trustedProxies
        )
        // 2 route
        let decision = self.config.decide(
            RequestFacts(method: head.method.rawValue, host: host, path: target.path, query: target.query)
        )
        let framing = RequestFraming(head)
        if let declared = framing.contentLength, declared > decision.maxBody.bytes {
            return .respond(
                LocalResponse(
                    .payloadTooLarge, "the request body is larger than \(decision.maxBody) (rule \(decision.ruleName))",
                    closeConnection: true
                )
            )
        }
        // 5 forward
        let originHead = ForwardedRequest.head(
            for: head, target: target, identity: identity, framing: framing, via: self.via
        )
        return .forward(
            ForwardPlan(
                decision: decision,
                identity: identity,
                originHead: originHead,
                clientVersion: head.version,
                clientKeepAlive: head.isKeepAlive,
                method: head.method,
                target: target.normalised,
                hasBody: framing.hasBody,
                expectsContinue: framing.expectsContinue,
                maxBodyBytes: decision.maxBody.bytes,
                startedAt: now
            )
        )
    }

    // 6 shape
    func shape(_ originHead: HTTPResponseHead, for plan: ForwardPlan, closeAfter: Bool) -> HTTPResponseHead {
        ResponseShaper.head(from: originHead, clientVersion: plan.clientVersion, via: self.via, close: closeAfter)
    }

    // 7 record
    func record(_ plan: ForwardPlan, status: UInt, bytesOut: Int, originDuration: TimeAmount?, now: NIODeadline) -> AccessRecord {
        AccessRecord(
            clientIP: plan.identity.clientIP,
            method: plan.method.rawValue,
            target: plan.target,
            status: status,
            rule: plan.decision.ruleName,
            bytesOut: bytesOut,
            duration: now - plan.startedAt,
            originDuration: originDuration
        )
    }
}
