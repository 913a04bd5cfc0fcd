import CacheSemantics
import NIOHTTP1
import Rules

/// What the cache needs to remember about a request it sent to the origin: where the answer is filed,
/// the entry being revalidated (if any), and how the rule shapes freshness and browser caching.
struct CachePlan {
    enum Role {
        /// Leads the coalesced fetch for the key: must report its outcome.
        case leader
        /// The key is hit-for-miss: fetch alone, still store if the answer allows it now.
        case solo
        /// A stale-while-revalidate refresh with no client waiting.
        case background
    }

    let key: CacheKey
    let host: String
    let path: String
    let requestHeaders: HTTPHeaders
    /// The stored entry being revalidated (its validators were sent), or the stale one to fall back to.
    let stale: CachedResponse?
    let override: EdgeOverride?
    let browser: BrowserPolicy
    let role: Role
    let clientMethod: HTTPMethod
    /// The client sent If-None-Match / If-Modified-Since (answered by the gateway, not forwarded).
    let clientConditional: Bool
    let requestHasAuthorization: Bool
    /// For deciding at store time whether variants may be made.
    let compression: CompressionConfig
    /// This instance took the L2 fill lock for the key: released when the fetch ends.
    var holdsSharedLock = false
}

/// What a rule tells browsers: `browser_ttl` and `immutable` rewrite Cache-Control on stored responses.
struct BrowserPolicy: Sendable, Equatable {
    let ttl: Duration?
    let immutable: Bool

    static let origin = BrowserPolicy(ttl: nil, immutable: false)

    init(ttl: Duration?, immutable: Bool) {
        self.ttl = ttl
        self.immutable = immutable
    }

    init(_ policy: CachePolicy) {
        if case .ttl(let ttl) = policy {
            self.init(ttl: ttl.browserTTL, immutable: ttl.immutable)
        } else {
            self.init(ttl: nil, immutable: false)
        }
    }

    func apply(to headers: inout HTTPHeaders) {
        guard let ttl = self.ttl else { return }
        headers.replaceOrAdd(name: "cache-control", value: "public, max-age=\(ttl.wholeSeconds)\(self.immutable ? ", immutable" : "")")
    }
}

extension CachePolicy {
    /// The rule's cache key policy; the whole query for `origin` and `bypass`.
    var keyPolicy: CacheKeyPolicy {
        if case .ttl(let ttl) = self { return ttl.key }
        return CacheKeyPolicy()
    }
}
