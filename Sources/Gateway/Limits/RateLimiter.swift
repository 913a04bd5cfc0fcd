import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Rules

/// Step 3 of the walk: the WAF limits of the matched rule, decided before the cache so a limited client
/// cannot scrape cached pages. The burst limit is counted in memory (per instance, per second); the
/// sustained limit in the shared store (Redis, when configured) or, when it is away, in memory.
final class RateLimiter: Sendable {
    let burst: WindowTable
    let sustainedLocal: WindowTable
    private let sharedStore = NIOLockedValueBox<(any SharedLimitStore)?>(nil)
    /// When the shared store is away, each instance enforces this share of the sustained limit.
    let localShare: Double

    init(capacity: Int = 200_000, localShare: Double = 1.0) {
        self.burst = WindowTable(capacity: capacity)
        self.sustainedLocal = WindowTable(capacity: capacity)
        self.localShare = localShare
    }

    /// The store shared by every instance (Redis), once connected.
    var shared: (any SharedLimitStore)? {
        get { self.sharedStore.withLockedValue { $0 } }
        set { self.sharedStore.withLockedValue { $0 = newValue } }
    }

    /// Decides for one request. Memory-only decisions complete at once; shared ones on `eventLoop`.
    /// A verdict now (memory), or one to wait for (a Redis round trip).
    enum Check {
        case decided(LimitVerdict)
        case pending(EventLoopFuture<LimitVerdict>)
    }

    /// Decides for one request: at once from memory, or through the shared store on `eventLoop`.
    func check(
        rule: String, policy: LimitPolicy, clientIP: String, path: String, headers: HTTPHeaders, now: Double, eventLoop: EventLoop
    ) -> Check {
        let key = LimitKey.make(rule: rule, policy: policy, clientIP: clientIP, path: path, headers: headers)
        let block = policy.block.map { Double($0.wholeSeconds) }
        if let burst = policy.burst {
            let decision = self.burst.decide(
                key, limit: burst.count, windowSeconds: Double(burst.unit.duration.wholeSeconds), now: now, block: nil
            )
            if !decision.allowed {
                return .decided(LimitVerdict(rule: rule, sustained: nil, burst: decision))
            }
        }
        let sustained = policy.sustained
        let window = Double(sustained.unit.duration.wholeSeconds)
        let shared = self.shared
        guard let shared, shared.isAvailable else {
            let limit = shared == nil ? sustained.count : max(1, Int((Double(sustained.count) * self.localShare).rounded(.down)))
            let decision = self.sustainedLocal.decide(key, limit: limit, windowSeconds: window, now: now, block: block)
            return .decided(LimitVerdict(rule: rule, sustained: decision, burst: nil))
        }
        return .pending(shared.decide(key: key, limit: sustained.count, windowSeconds: window, now: now, block: block, on: eventLoop)
            .map { LimitVerdict(rule: rule, sustained: $0, burst: nil) }
            .flatMapError { _ in
                // No request fails because the shared store failed: count it here instead.
                let limit = max(1, Int((Double(sustained.count) * self.localShare).rounded(.down)))
                let decision = self.sustainedLocal.decide(key, limit: limit, windowSeconds: window, now: now, block: block)
                return eventLoop.makeSucceededFuture(LimitVerdict(rule: rule, sustained: decision, burst: nil))
            })
    }
}

/// The sustained windows shared by every instance (Redis).
protocol SharedLimitStore: Sendable {
    /// False while the store is known to be down (circuit open): callers count locally without waiting.
    var isAvailable: Bool { get }
    func decide(key: String, limit: Int, windowSeconds: Double, now: Double, block: Double?, on eventLoop: EventLoop)
        -> EventLoopFuture<RateLimitDecision>
}

/// The limiter's answer for one request and the headers that report it.
struct LimitVerdict: Sendable {
    let rule: String
    let sustained: RateLimitDecision?
    /// Set when the burst limit refused the request.
    let burst: RateLimitDecision?

    var allowed: Bool { (self.burst?.allowed ?? true) && (self.sustained?.allowed ?? true) }

    /// The decision the headers speak of: the one that refused, else the sustained one.
    private var reported: RateLimitDecision? {
        if let burst, !burst.allowed { return burst }
        return self.sustained
    }

    /// X-RateLimit-* (the de-facto headers) and the IETF RateLimit-Policy / RateLimit fields
    /// (draft-ietf-httpapi-ratelimit-headers: `"name";q=LIMIT;w=WINDOW` and `"name";r=REMAINING;t=RESET`).
    func headers(into headers: inout HTTPHeaders) {
        guard self.reported != nil else { return }
        // The origin's own fields of these names (rare) give way to the edge's; one pass, on the first byte
        // and the length, to find out (this runs on every limited response, hits included).
        if headers.contains(where: { Self.mayBeLimitField($0.name) && Self.names.contains($0.name.lowercased()) }) {
            for name in Self.names { headers.remove(name: name) }
        }
        headers.reserveCapacity(headers.count + 6)
        self.fields { name, value in headers.add(name: name, value: value) }
    }

    /// The same fields as `headers(into:)`, written straight into a head being encoded (`CachedHead.bytes`):
    /// no string is made for them. `CachedHeadBytesTests` holds the two to the same output.
    func writeFields(into buffer: inout ByteBuffer) {
        guard let decision = self.reported else { return }
        let burstRefused = self.burst?.allowed == false
        buffer.writeStaticString("x-ratelimit-limit: ")
        ResponseBytes.writeDecimal(decision.limit, into: &buffer)
        buffer.writeStaticString("\r\nx-ratelimit-remaining: ")
        ResponseBytes.writeDecimal(decision.remaining, into: &buffer)
        buffer.writeStaticString("\r\nx-ratelimit-reset: ")
        ResponseBytes.writeDecimal(decision.resetSeconds, into: &buffer)
        buffer.writeStaticString("\r\nratelimit-policy: \"")
        buffer.writeString(self.rule)
        if burstRefused { buffer.writeStaticString("-burst") }
        buffer.writeStaticString("\";q=")
        ResponseBytes.writeDecimal(decision.limit, into: &buffer)
        buffer.writeStaticString(";w=")
        ResponseBytes.writeDecimal(decision.windowSeconds, into: &buffer)
        buffer.writeStaticString("\r\nratelimit: \"")
        buffer.writeString(self.rule)
        if burstRefused { buffer.writeStaticString("-burst") }
        buffer.writeStaticString("\";r=")
        ResponseBytes.writeDecimal(decision.remaining, into: &buffer)
        buffer.writeStaticString(";t=")
        ResponseBytes.writeDecimal(decision.resetSeconds, into: &buffer)
        buffer.writeStaticString("\r\n")
        if !self.allowed {
            buffer.writeStaticString("retry-after: ")
            ResponseBytes.writeDecimal(max(1, decision.resetSeconds), into: &buffer)
            buffer.writeStaticString("\r\n")
        }
    }

    private func fields(_ field: (String, String) -> Void) {
        guard let decision = self.reported else { return }
        let policy = (self.burst?.allowed == false) ? "\(self.rule)-burst" : self.rule
        let limit = String(decision.limit)
        let remaining = String(decision.remaining)
        let reset = String(decision.resetSeconds)
        field("x-ratelimit-limit", limit)
        field("x-ratelimit-remaining", remaining)
        field("x-ratelimit-reset", reset)
        field("ratelimit-policy", "\"" + policy + "\";q=" + limit + ";w=" + String(decision.windowSeconds))
        field("ratelimit", "\"" + policy + "\";r=" + remaining + ";t=" + reset)
        if !self.allowed {
            field("retry-after", String(max(1, decision.resetSeconds)))
        }
    }

    static let names: Set<String> = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "ratelimit-policy", "ratelimit", "retry-after"]

    /// Whether `name` could be one of `names`: they start with x or r and have one of five lengths.
    private static func mayBeLimitField(_ name: String) -> Bool {
        switch name.utf8.count {
        case 9, 11, 16, 17, 21:
            let first = name.utf8.first ?? 0
            return first == UInt8(ascii: "x") || first == UInt8(ascii: "X") || first == UInt8(ascii: "r") || first == UInt8(ascii: "R")
        default:
            return false
        }
    }

    /// The 429 the client gets.
    func refusal() -> LocalResponse {
        let decision = self.reported
        let retry = max(1, decision?.resetSeconds ?? 1)
        var response = LocalResponse(
            .tooManyRequests,
            json: #"{"error":"rate_limited","rule":\#(AccessRecord.quoted(self.rule)),"limit":\#(decision?.limit ?? 0),"window_seconds":\#(decision?.windowSeconds ?? 0),"retry_after":\#(retry)}"#
        )
        self.headers(into: &response.headers)
        return response
    }
}
