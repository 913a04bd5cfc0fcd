import CacheSemantics
import NIOCore
import NIOHTTP1

/// The cache's side of one origin fetch: decides at the response head whether the answer streams to the
/// client (and is stored as it passes, up to `cache.max_object`) or is absorbed (a 304 refreshing the
/// stale entry, a 5xx replaced by stale-if-error, a conditional answered from the new entry), stores
/// it at the end, and reports to the coalescer exactly once.
final class CacheFill {
    enum HeadDisposition {
        /// Stream the origin's response to the client, with these cache headers.
        case stream(CacheOutcome)
        /// Hold the response; when it ends, answer from the cache.
        case absorb
    }

    /// How an absorbed fetch is answered once it ends.
    enum Answer {
        case entry(CachedResponse, CacheOutcome)
        /// The response could not be stored after all: the buffered one goes out as it came.
        case passThrough(HTTPResponseHead, ByteBuffer, CacheOutcome)
    }

    private let plan: CachePlan
    private let cache: HTTPCache
    private let requestTime: Double
    private var responseTime: Double = 0
    private var head: HTTPResponseHead?
    private var decision: StoreDecision?
    private var storing = false
    private var absorbing: Absorb?
    private var body: [ByteBuffer] = []
    private var bodyBytes = 0
    private var reported = false

    private enum Absorb {
        case notModified
        case staleOnError(UInt)
        case conditional
    }

    init(plan: CachePlan, cache: HTTPCache) {
        self.plan = plan
        self.cache = cache
        self.requestTime = cache.clock.now()
    }

    /// The validators of the entry being revalidated, for the request to the origin.
    static func conditionalHeaders(for stale: CachedResponse?, into headers: inout HTTPHeaders) {
        for name in ["if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range", "range"] {
            headers.remove(name: name)
        }
        guard let stale else { return }
        if let etag = stale.etag { headers.add(name: "if-none-match", value: etag) }
        if let modified = stale.headers.first(name: "last-modified") { headers.add(name: "if-modified-since", value: modified) }
    }

    func responseHead(_ head: HTTPResponseHead) -> HeadDisposition {
        self.head = head
        self.responseTime = self.cache.clock.now()
        let status = head.status.code
        if status == 304, self.plan.stale != nil {
            self.absorbing = .notModified
            return .absorb
        }
        if status >= 500, let stale = self.plan.stale,
            Reuse.mayServeOnError(stale.freshness, basis: stale.basis, now: self.responseTime)
        {
            self.absorbing = .staleOnError(status)
            return .absorb
        }
        let facts = self.facts(head)
        var decision = StorePolicy.decide(
            method: "GET", requestHasAuthorization: self.plan.requestHasAuthorization, response: facts, override: self.plan.override
        )
        if case .store = decision, let length = head.headers.first(name: "content-length").flatMap(Int.init),
            length > self.cache.memory.maxObject
        {
            decision = .doNotStore(.tooLarge)
        }
        self.decision = decision
        let ttl: Int64?
        let notStored: NotStoredReason?
        var source: Freshness.Source?
        switch decision {
        case .store(let freshness):
            self.storing = true
            source = freshness.source
            ttl = freshness.lifetime - DeltaSeconds.whole(AgeBasis(requestTime: self.requestTime, responseTime: self.responseTime, dateValue: facts.date, ageValue: facts.age).correctedInitialAge)
            notStored = nil
            if self.plan.clientConditional, head.headers.first(name: "content-length") != nil {
                self.absorbing = .conditional
                return .absorb
            }
        case .doNotStore(let reason):
            ttl = nil
            notStored = reason
            self.report(.notStorable)
        }
        if self.plan.stale != nil {
            return .stream(.expired(ttl: ttl, originStatus: status, notStored: notStored, source: source))
        }
        return .stream(.miss(ttl: ttl, originStatus: status, notStored: notStored, source: source))
    }

    func responseBody(_ buffer: ByteBuffer) {
        guard self.storing || self.absorbing != nil else { return }
        self.bodyBytes += buffer.readableBytes
        if self.storing && self.bodyBytes > self.cache.memory.maxObject {
            self.storing = false
            self.body.removeAll()
            self.report(.notStorable)
            return
        }
        self.body.append(buffer)
    }

    /// The response is complete. For an absorbed one, what to answer the client with.
    func responseEnd() -> Answer? {
        guard let head = self.head else { return nil }
        let now = self.cache.clock.now()
        switch self.absorbing {
        case .notModified:
            guard let stale = self.plan.stale else { return nil }
            let merged = HTTPResponseHead(version: head.version, status: stale.status, headers: CachedResponse.merge(stale.headers, updatedBy: head.headers))
            guard case .store(let freshness) = StorePolicy.decide(
                method: "GET", requestHasAuthorization: self.plan.requestHasAuthorization, response: self.facts(merged), override: self.plan.override
            ) else {
                // Updated, it may not be stored (a Set-Cookie arrived on the 304, say): this client gets the
                // updated response, its cookie included; nobody else gets it, and the old entry goes.
                self.report(.notStorable)
                self.cache.memory.remove(stale.key)
                let answer = stale.refreshed(with: head.headers, freshness: stale.freshness, basis: stale.basis)
                return .entry(answer, .revalidated(ttl: 0, source: stale.freshness.source))
            }
            let refreshed = stale.refreshed(with: head.headers, freshness: freshness, basis: self.basis(head))
            self.cache.memory.insert(refreshed)
            self.cache.shared?.store(refreshed, on: nil)
            self.report(.stored)
            return .entry(refreshed, .revalidated(ttl: refreshed.freshness.lifetime - refreshed.age(at: now), source: freshness.source))
        case .staleOnError(let status):
            self.report(.failed)
            guard let stale = self.plan.stale else { return nil }
            return .entry(stale, .stale(ttl: stale.freshness.lifetime - stale.age(at: now), originStatus: status))
        case .conditional:
            if let entry = self.store(head) {
                self.report(.stored)
                return .entry(
                    entry,
                    .miss(ttl: entry.freshness.lifetime - entry.age(at: now), originStatus: head.status.code, notStored: nil, source: entry.freshness.source)
                )
            }
            self.report(.notStorable)
            return .passThrough(head, self.joinedBody(), .miss(ttl: nil, originStatus: head.status.code, notStored: .tooLarge, source: nil))
        case nil:
            if self.storing, self.store(head) != nil {
                self.report(.stored)
            } else {
                self.report(.notStorable)
            }
            return nil
        }
    }

    /// The fetch failed before or during the response. A stale entry that may stand in, if any.
    func failed() -> CachedResponse? {
        self.report(.failed)
        self.body.removeAll()
        guard self.head == nil || self.absorbing != nil, let stale = self.plan.stale else { return nil }
        return Reuse.mayServeOnError(stale.freshness, basis: stale.basis, now: self.cache.clock.now()) ? stale : nil
    }

    private func store(_ head: HTTPResponseHead) -> CachedResponse? {
        guard case .store(let freshness) = self.decision else { return nil }
        var headers = head.headers
        headers.remove(name: "age")
        // Hop-by-hop fields describe the origin's connection, not the response: never stored, never replayed.
        HopByHop.strip(&headers)
        // The gateway negotiates codings itself for bodies the origin sent as identity: one entry for all.
        let identity = (head.headers.first(name: "content-encoding")?.lowercased() ?? "identity") == "identity"
        let varyNames = ResponseFacts(head).vary.filter { !(identity && $0 == "accept-encoding") }
        let variant = VariantKey(names: varyNames, request: self.plan.requestHeaders)
        let entry = CachedResponse(
            key: self.plan.key, status: head.status, headers: headers, body: self.joinedBody(), freshness: freshness,
            basis: self.basis(head), variant: variant, tags: CachedResponse.tags(in: head.headers),
            storedAt: Int64(self.requestTime * 1000), host: self.plan.host, path: self.plan.path,
            compressible: CompressionPolicy.compressible(head, config: self.plan.compression)
        )
        guard self.cache.memory.insert(entry) else { return nil }
        self.cache.shared?.store(entry, on: nil)
        return entry
    }

    /// The response's facts; a response without `Date` is dated when it was received (RFC 9110 6.6.1).
    private func facts(_ head: HTTPResponseHead) -> ResponseFacts {
        var facts = ResponseFacts(head)
        if facts.date == nil { facts.date = Int64(self.responseTime) }
        return facts
    }

    private func basis(_ head: HTTPResponseHead) -> AgeBasis {
        let facts = ResponseFacts(head)
        return AgeBasis(requestTime: self.requestTime, responseTime: self.responseTime, dateValue: facts.date, ageValue: facts.age)
    }

    /// One right-sized copy. Never the parts themselves: each is a slice of a socket read buffer that
    /// may be several times larger than the bytes it holds, and would keep all of it alive in the cache.
    private func joinedBody() -> ByteBuffer {
        var joined = ByteBufferAllocator().buffer(capacity: self.bodyBytes)
        for var part in self.body { joined.writeBuffer(&part) }
        return joined
    }

    /// Tells waiters once; a background refresh or a solo fetch has nobody waiting but still clears the slot.
    private func report(_ outcome: Coalescer.Outcome) {
        guard !self.reported else { return }
        self.reported = true
        switch self.plan.role {
        case .leader, .background:
            self.cache.coalescer.finish(self.plan.key.primary, outcome, now: self.cache.clock.now())
            if self.plan.holdsSharedLock { self.cache.shared?.unlock(self.plan.key, on: nil) }
        case .solo:
            if outcome == .stored { self.cache.coalescer.forget(self.plan.key.primary) }
        }
    }

    /// A fill abandoned (the client left mid-fetch) still releases its waiters.
    func abandon() { self.report(.failed) }
}
