import CacheSemantics
import Logging
import NIOCore
import NIOHTTP1
import Rules

/// A request's walk through the edge, top to bottom (DESIGN.md, "A request's walk"):
///
///   0 admit     bounds on the request head: 414, 431, 413 by declared length, 400 for what is not HTTP
///   1 identify  client IP (X-Forwarded-For only from trusted proxies), host, normalised path and query
///   2 route     rules.decide(request) -> Decision
///   3 limit     the rule's burst (memory) and sustained (shared) limits -> 429, or on
///   4 look up   CacheKey -> memory tier: fresh, stale-while-revalidate, or a (coalesced) fetch
///   5 forward   the request as the origin will see it
///   6 shape     the answer as the client will see it: Age, X-Cache, Cache-Status, browser Cache-Control
///   7 record    the access log line
///
/// The steps decide; the `EdgeHandler` and `Exchange` run the I/O they decide on.
/// A class, immutable once made: every request takes it by reference (one retain), not by copying
/// the whole configuration.
final class EdgePipeline: Sendable {
    let config: GatewayConfig
    let cache: HTTPCache
    let limiter: RateLimiter
    let logger: Logger
    let via: String
    /// Which hits the access log writes (`access_log.hit_sample`).
    let hitSampler: HitSampler

    init(config: GatewayConfig, cache: HTTPCache, limiter: RateLimiter, logger: Logger, via: String) {
        self.config = config
        self.hitSampler = HitSampler(share: config.accessLog.hitSample)
        self.cache = cache
        self.limiter = limiter
        self.logger = logger
        self.via = via
    }

    enum Start {
        /// Answer here, and log it as this record (a refusal, a 429).
        case respond(LocalResponse, AccessRecord)
        /// Fetch from the origin (plan.cache set when the answer may be stored).
        case forward(ForwardPlan)
        /// Answer from the cache; with `refresh`, also refresh it in the background.
        case serve(CachedResponse, CacheOutcome, ForwardPlan, refresh: ForwardPlan?)
        /// Another request is fetching this key: the waiter passed in will be called.
        case wait(ForwardPlan)
        /// The rule has a limit: ask the limiter, then `afterLimit`.
        case limit(ForwardPlan, LimitPolicy)
        /// Not in memory: ask L2 (Redis), then `afterShared`.
        case lookUpShared(ForwardPlan, CacheKey)
        /// This instance leads the fetch: take the L2 fill lock first (other instances may be fetching).
        case lockShared(ForwardPlan, CacheKey)
    }

    /// `waiter` is asked for only when the request has to wait behind another one's fetch.
    func start(
        _ head: HTTPRequestHead, framing: RequestFraming, peerIP: String, peerAddress: IPAddress?, now: NIODeadline,
        waiter: () -> Coalescer.Waiter
    ) -> Start {
        // 0 admit
        if let refusal = RequestBounds.refusal(for: head, limits: self.config.server) {
            return self.refuse(refusal, head, peerIP: peerIP, peerAddress: peerAddress, startedAt: now)
        }
        // 1 identify
        let address: RequestAddress
        switch RequestAddress.resolve(head) {
        case .failure(let refusal):
            return self.refuse(refusal, head, peerIP: peerIP, peerAddress: peerAddress, startedAt: now)
        case .success(let resolved): address = resolved
        }
        let identity = self.identify(head, peerIP: peerIP, peerAddress: peerAddress)
        // 2 route
        let decision = self.config.decide(
            RequestFacts(method: head.method.rawValue, host: address.host, path: address.target.path, query: address.target.query)
        )
        if let declared = framing.contentLength, declared > decision.maxBody.bytes {
            let refusal = LocalResponse(
                .payloadTooLarge, "the request body is larger than \(decision.maxBody) (rule \(decision.ruleName))", closeConnection: true
            )
            let record = self.record(
                refusal, method: head.method, target: address.target.normalised, client: identity, rule: decision.ruleName, startedAt: now
            )
            return .respond(refusal, record)
        }
        var plan = ForwardPlan(
            decision: decision,
            identity: identity,
            clientHead: head,
            host: address.host,
            target: address.target,
            framing: framing,
            maxBodyBytes: decision.maxBody.bytes,
            startedAt: now
        )
        // 3 limit
        if let policy = decision.limit {
            return .limit(plan, policy)
        }
        // 4 look up
        return self.lookUp(&plan, waiter: waiter)
    }

    private func identify(_ head: HTTPRequestHead, peerIP: String, peerAddress: IPAddress?) -> ClientIdentity {
        let proxies = self.config.clients.trustedProxies
        return ClientIdentity.resolve(peerIP: peerIP, peerAddress: peerAddress, headers: head.headers, trustedProxies: proxies)
    }

    /// Refused before a rule is chosen: logged with rule `-` and the target as sent, cut to its first
    /// `loggedTargetBytes` (a 414's target is by definition too long; a client must not size the log's lines).
    private func refuse(
        _ refusal: LocalResponse, _ head: HTTPRequestHead, peerIP: String, peerAddress: IPAddress?, startedAt: NIODeadline
    ) -> Start {
        let client = self.identify(head, peerIP: peerIP, peerAddress: peerAddress)
        let target = head.uri.utf8.count > Self.loggedTargetBytes
            ? String(decoding: head.uri.utf8.prefix(Self.loggedTargetBytes), as: UTF8.self) + "..." : head.uri
        return .respond(refusal, self.record(refusal, method: head.method, target: target, client: client, rule: "-", startedAt: startedAt))
    }

    static let loggedTargetBytes = 1024

    /// Step 3's verdict is in: a 429, or on to the cache.
    func afterLimit(_ plan: ForwardPlan, verdict: LimitVerdict, waiter: () -> Coalescer.Waiter) -> Start {
        guard verdict.allowed else {
            let refusal = verdict.refusal()
            let record = self.record(
                refusal, method: plan.method, target: plan.target.normalised, client: plan.identity, rule: plan.decision.ruleName,
                startedAt: plan.startedAt
            )
            return .respond(refusal, record)
        }
        var plan = plan
        plan.limit = verdict
        // 4 look up
        return self.lookUp(&plan, waiter: waiter)
    }

    private func lookUp(_ plan: inout ForwardPlan, waiter: () -> Coalescer.Waiter) -> Start {
        let head = plan.clientHead
        if case .bypass = plan.decision.cache {
            plan.passOutcome = .bypass(originStatus: nil)
            return .forward(plan)
        }
        guard head.method == .GET || head.method == .HEAD else {
            plan.passOutcome = .dynamic(originStatus: nil, detail: "method")
            return .forward(plan)
        }
        let key = self.cache.key(host: plan.host, target: plan.target, policy: plan.decision.cache.keyPolicy)
        let now = self.cache.clock.now()
        let authorised = head.headers.contains(name: "authorization")
        var stale: CachedResponse?
        if let entry = self.cache.lookup(key, request: head.headers), !authorised || Self.sharedDespiteAuthorization(entry) {
            switch entry.reuse(at: now) {
            case .fresh(let age, let remaining):
                _ = age
                return .serve(entry, .hit(ttl: remaining, source: entry.freshness.source), plan, refresh: nil)
            case .staleWhileRevalidate:
                let ttl = entry.freshness.lifetime - entry.age(at: now)
                let refresh = self.cache.coalescer.tryLead(key.primary) ? self.cachePlan(plan, key: key, stale: entry, role: .background) : nil
                return .serve(entry, .updating(ttl: ttl), plan, refresh: refresh)
            case .revalidate:
                stale = entry
            }
        }
        if stale == nil, !plan.sharedChecked, let shared = self.cache.shared, shared.isAvailable {
            return .lookUpShared(plan, key)
        }
        if head.headers.contains(name: "range") && stale == nil {
            // A range of something not stored goes through as asked, and is not stored.
            plan.passOutcome = .dynamic(originStatus: nil, detail: "range")
            return .forward(plan)
        }
        if let entry = stale, self.cache.coalescer.isFailing(key.primary, now: now),
           Reuse.mayServeOnError(entry.freshness, basis: entry.basis, now: now) {
            // The origin failed this key a moment ago: serve stale without asking again (no retry storm).
            return .serve(entry, .stale(ttl: entry.freshness.lifetime - entry.age(at: now), originStatus: nil), plan, refresh: nil)
        }
        if self.cache.coalescer.isHitForMiss(key.primary, now: now) {
            return .forward(self.cachePlan(plan, key: key, stale: stale, role: .solo))
        }
        if self.cache.coalescer.join(key.primary, waiter: waiter()) {
            let leader = self.cachePlan(plan, key: key, stale: stale, role: .leader)
            if stale == nil, let shared = self.cache.shared, shared.isAvailable {
                return .lockShared(leader, key)
            }
            return .forward(leader)
        }
        return .wait(plan)
    }

    /// L2 answered: back-fill memory with what it had, and look again.
    func afterShared(_ plan: ForwardPlan, entry: CachedResponse?, waiter: () -> Coalescer.Waiter) -> Start {
        var plan = plan
        plan.sharedChecked = true
        if let entry, entry.variant.matches(plan.clientHead.headers) {
            self.cache.memory.insert(entry)
        }
        return self.lookUp(&plan, waiter: waiter)
    }

    /// After a coalesced wait: the stored answer if it fits, else a fetch of its own (never a second wait).
    func resume(_ plan: ForwardPlan, outcome: Coalescer.Outcome?) -> Start {
        var plan = plan
        let key = self.cache.key(host: plan.host, target: plan.target, policy: plan.decision.cache.keyPolicy)
        let now = self.cache.clock.now()
        let entry = self.cache.lookup(key, request: plan.clientHead.headers)
        if let entry, outcome == .stored, case .fresh(_, let remaining) = entry.reuse(at: now) {
            return .serve(entry, .collapsed(ttl: remaining, source: entry.freshness.source), plan, refresh: nil)
        }
        if let entry, outcome == .failed, Reuse.mayServeOnError(entry.freshness, basis: entry.basis, now: now) {
            return .serve(entry, .stale(ttl: entry.freshness.lifetime - entry.age(at: now), originStatus: nil), plan, refresh: nil)
        }
        plan = self.cachePlan(plan, key: key, stale: entry, role: .solo)
        return .forward(plan)
    }

    /// RFC 9111 3.5: a response to a request with Authorization is shared only when it says so.
    private static func sharedDespiteAuthorization(_ entry: CachedResponse) -> Bool {
        let cc = CacheControl(values: entry.headers["cache-control"])
        return cc.isPublic || cc.sharedMaxAge != nil || cc.mustRevalidate
    }

    // 5 forward: a cacheable fetch asks with GET and the gateway's own validators; the client's
    // conditionals and HEAD are answered by the gateway.
    private func cachePlan(_ plan: ForwardPlan, key: CacheKey, stale: CachedResponse?, role: CachePlan.Role) -> ForwardPlan {
        var plan = plan
        let head = plan.clientHead
        let ttl: CacheTTL? = if case .ttl(let ttl) = plan.decision.cache { ttl } else { nil }
        plan.cache = CachePlan(
            key: key,
            host: plan.host,
            path: plan.target.path,
            requestHeaders: head.headers,
            stale: stale,
            override: ttl?.edgeOverride,
            browser: BrowserPolicy(plan.decision.cache),
            role: role,
            clientMethod: head.method,
            clientConditional: head.headers.contains(name: "if-none-match") || head.headers.contains(name: "if-modified-since"),
            requestHasAuthorization: head.headers.contains(name: "authorization"),
            compression: self.config.compression
        )
        return plan
    }

    // 6 shape
    func shape(_ originHead: HTTPResponseHead, for plan: ForwardPlan, outcome: CacheOutcome?, closeAfter: Bool) -> HTTPResponseHead {
        var head = ResponseShaper.head(from: originHead, clientVersion: plan.clientVersion, via: self.via, close: closeAfter)
        plan.limit?.headers(into: &head.headers)
        if let outcome {
            CachedHead.mark(&head.headers, outcome)
            switch outcome {
            case .miss(_, _, nil, _), .expired(_, _, nil, _):
                plan.cache?.browser.apply(to: &head.headers)
                head.headers.replaceOrAdd(name: "age", value: "0")
            default:
                break
            }
        }
        return head
    }

    /// Step 6 for a streamed response: compress it for this client as it passes (or decode a coding the
    /// client cannot take), with the headers to match. Nil: the bytes go out as they came.
    func streamingTransform(for head: inout HTTPResponseHead, origin: HTTPResponseHead, plan: ForwardPlan) -> ContentTransform? {
        let originCoding = origin.headers.first(name: "content-encoding")?.lowercased() ?? "identity"
        if originCoding == "identity" {
            guard let coding = CompressionPolicy.coding(
                for: origin, request: plan.clientHead, config: self.config.compression, ruleAllows: plan.decision.compress
            ), let encoder = try? ContentCodecs.encoder(coding, config: self.config.compression) else { return nil }
            CompressionPolicy.markEncoded(&head.headers, coding: coding, length: nil)
            return encoder
        }
        guard let coding = ContentCoding(rawValue: originCoding), plan.clientHead.method != .HEAD else { return nil }
        let header = plan.clientHead.headers[canonicalForm: "accept-encoding"].joined(separator: ", ")
        guard AcceptEncoding(header.isEmpty ? nil : header).quality(of: coding) == 0, let decoder = try? ContentCodecs.decoder(coding) else {
            return nil
        }
        // The origin sent a coding this client cannot read: it gets the decoded bytes.
        head.headers.remove(name: "content-encoding")
        head.headers.remove(name: "content-length")
        CompressionPolicy.addVaryAcceptEncoding(&head.headers)
        return decoder
    }

    /// A successful unsafe request changes what is stored for its URL and the URLs it names (RFC 9111 4.4).
    func invalidateAfterUnsafe(_ plan: ForwardPlan, response: HTTPResponseHead) {
        guard ![.GET, .HEAD, .OPTIONS, .TRACE].contains(plan.method), response.status.code < 400 else { return }
        let policy = plan.decision.cache.keyPolicy
        self.cache.invalidate(self.cache.key(host: plan.host, target: plan.target, policy: policy))
        for name in ["location", "content-location"] {
            guard let value = response.headers.first(name: name) else { continue }
            var path = value
            if let absolute = AbsoluteURI(value) {
                guard absolute.authority.lowercased().split(separator: ":").first.map(String.init) == plan.host else { continue }
                path = absolute.pathAndQuery
            }
            if let target = RequestTarget.parse(path) {
                self.cache.invalidate(self.cache.key(host: plan.host, target: target, policy: self.keyPolicy(host: plan.host, target: target)))
            }
        }
    }

    /// The cache key policy of the rule that a GET of this URL would match.
    func keyPolicy(host: String, target: RequestTarget) -> CacheKeyPolicy {
        self.config.decide(RequestFacts(method: "GET", host: host, path: target.path, query: target.query)).cache.keyPolicy
    }

    // 7 record
    /// An answer given here: what a HEAD was sent is the head alone.
    func record(
        _ response: LocalResponse, method: HTTPMethod, target: String, client: ClientIdentity, rule: String, startedAt: NIODeadline
    ) -> AccessRecord {
        AccessRecord(
            clientIP: client.clientIP, method: method.rawValue, target: target, status: response.status.code, rule: rule, cache: "-",
            bytesOut: method == .HEAD ? 0 : response.body.utf8.count, duration: .now() - startedAt, originDuration: nil
        )
    }

    /// An answer to bytes that were not an HTTP request: no method, target or rule to name.
    func recordMalformed(_ response: LocalResponse, peerIP: String) -> AccessRecord {
        AccessRecord(
            clientIP: peerIP, method: "-", target: "-", status: response.status.code, rule: "-", cache: "-",
            bytesOut: response.body.utf8.count, duration: .zero, originDuration: nil
        )
    }

    func record(_ plan: ForwardPlan, status: UInt, bytesOut: Int, originDuration: TimeAmount?, outcome: CacheOutcome?, now: NIODeadline) -> AccessRecord {
        var record = AccessRecord(
            clientIP: plan.identity.clientIP,
            method: plan.method.rawValue,
            target: plan.target.normalised,
            status: status,
            rule: plan.decision.ruleName,
            cache: outcome?.label ?? "-",
            bytesOut: bytesOut,
            duration: now - plan.startedAt,
            originDuration: originDuration
        )
        if case .hit = outcome, !self.hitSampler.logsEveryHit {
            record.isLogged = self.hitSampler.take()
            record.sample = self.hitSampler.share
        }
        return record
    }
}
