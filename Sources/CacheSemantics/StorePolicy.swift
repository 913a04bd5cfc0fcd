/// Whether a shared cache may store a response (RFC 9111 section 3), and for how long it stays fresh
/// (section 4.2.1), with a rule's override on top.
public enum StorePolicy {
    /// Statuses a cache may give heuristic freshness to (RFC 9110 15.1).
    public static let heuristicallyCacheable: Set<Int> = [200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]
    /// Statuses a rule's edge TTL applies to; others keep the origin's own semantics (a 404 is not kept a year).
    public static let overridable: Set<Int> = [200, 203, 204, 300, 301, 308]
    /// Heuristic freshness is 10% of the time since Last-Modified, at most this.
    public static let heuristicCap: Int64 = 86_400

    public static func decide(
        method: String, requestHasAuthorization: Bool, response: ResponseFacts, override: EdgeOverride?
    ) -> StoreDecision {
        guard method == "GET" else { return .doNotStore(.method) }
        let cc = response.cacheControl
        guard (200...599).contains(response.status), response.status != 206, response.status != 304 else {
            return .doNotStore(.status)
        }
        if cc.noStore { return .doNotStore(.noStore) }
        if cc.isPrivate { return .doNotStore(.isPrivate) }
        if response.hasSetCookie { return .doNotStore(.setCookie) }
        if response.vary.contains("*") { return .doNotStore(.varyStar) }
        if requestHasAuthorization && !(cc.isPublic || cc.sharedMaxAge != nil || cc.mustRevalidate) {
            return .doNotStore(.authorization)
        }

        let applies = override.map { Self.overridable.contains(response.status) && $0.edgeTTL != nil } ?? false
        var freshness: Freshness
        if let override, applies, override.mode == .override, let ttl = override.edgeTTL {
            // The rule's TTL stands for the origin's: its max-age, Expires and no-cache do not count here.
            freshness = Freshness(lifetime: ttl, source: .rule)
        } else if response.hasExplicitExpiration
            || (cc.noCache && (cc.isPublic || Self.heuristicallyCacheable.contains(response.status)))
        {
            // no-cache alone does not make a response storable (RFC 9111 3): it needs explicit freshness,
            // public, or a heuristically cacheable status.
            freshness = Self.explicit(response)
        } else if let override, applies, let ttl = override.edgeTTL {
            freshness = Freshness(lifetime: ttl, source: .rule)
        } else if Self.heuristicallyCacheable.contains(response.status), let heuristic = Self.heuristic(response) {
            freshness = Freshness(lifetime: heuristic, source: .heuristic)
        } else if cc.isPublic, Self.heuristicallyCacheable.contains(response.status), response.hasValidator {
            // Storable but with no freshness: kept to be revalidated.
            freshness = Freshness(lifetime: 0, source: .heuristic)
        } else {
            return .doNotStore(.noFreshness)
        }

        let ruleGoverns = freshness.source == .rule
        if !ruleGoverns || override?.mode == .respectOrigin {
            freshness.mustRevalidate = cc.mustRevalidate || cc.proxyRevalidate || cc.sharedMaxAge != nil
            freshness.noCache = cc.noCache
        }
        freshness.staleWhileRevalidate = override?.staleWhileRevalidate ?? cc.staleWhileRevalidate ?? 0
        freshness.staleIfError = override?.staleIfError ?? cc.staleIfError ?? 0
        if freshness.lifetime == 0 && !freshness.noCache && !response.hasValidator && freshness.staleWhileRevalidate == 0 {
            return .doNotStore(.noFreshness)
        }
        return .store(freshness)
    }

    /// s-maxage over max-age over Expires - Date.
    static func explicit(_ response: ResponseFacts) -> Freshness {
        let cc = response.cacheControl
        if let shared = cc.sharedMaxAge { return Freshness(lifetime: shared, source: .sharedMaxAge) }
        if let maxAge = cc.maxAge { return Freshness(lifetime: maxAge, source: .maxAge) }
        if let expires = response.expires {
            guard let expires, let date = response.date else {
                // An invalid Expires means already expired; without Date it is measured from now, also 0.
                return Freshness(lifetime: 0, source: .expires)
            }
            return Freshness(lifetime: max(0, expires - date), source: .expires)
        }
        return Freshness(lifetime: 0, source: .maxAge)
    }

    static func heuristic(_ response: ResponseFacts) -> Int64? {
        guard let lastModified = response.lastModified, let date = response.date, date > lastModified else { return nil }
        let tenth = (date - lastModified) / 10
        return tenth > 0 ? min(tenth, Self.heuristicCap) : nil
    }
}

public enum StoreDecision: Sendable, Equatable {
    case store(Freshness)
    case doNotStore(NotStoredReason)
}

/// Why a response was not stored: the `detail` of Cache-Status.
public enum NotStoredReason: String, Sendable, Equatable {
    case method
    case status
    case noStore = "no-store"
    case isPrivate = "private"
    case setCookie = "set-cookie"
    case varyStar = "vary-star"
    case authorization
    case noFreshness = "no-freshness"
    case tooLarge = "too-large"
    case bypass
}

/// How long a stored response may be used, and how.
public struct Freshness: Sendable, Hashable {
    public enum Source: String, Sendable, Hashable {
        case sharedMaxAge = "s-maxage"
        case maxAge = "max-age"
        case expires
        case heuristic
        /// The rule's edge TTL.
        case rule
    }

    /// Seconds the response is fresh, counted on its age.
    public var lifetime: Int64
    public var source: Source
    public var staleWhileRevalidate: Int64 = 0
    public var staleIfError: Int64 = 0
    /// must-revalidate, proxy-revalidate, or s-maxage: never served stale.
    public var mustRevalidate = false
    /// Stored, but validated with the origin before every use.
    public var noCache = false

    public init(lifetime: Int64, source: Source) {
        self.lifetime = lifetime
        self.source = source
    }

    /// How long the cache keeps it at all: fresh time plus the stale windows.
    public var retention: Int64 {
        self.lifetime + (self.mustRevalidate ? 0 : max(self.staleWhileRevalidate, self.staleIfError))
    }
}
