/// What a shared cache needs to know about a response, read from its head.
public struct ResponseFacts: Sendable {
    public var status: Int
    public var cacheControl: CacheControl
    /// `Date`, seconds since 1970.
    public var date: Int64?
    /// `Expires`: nil when absent; `.some(nil)` when present but not a date (which means already expired).
    public var expires: Int64??
    public var lastModified: Int64?
    /// `Age` from an upstream cache.
    public var age: Int64?
    public var hasSetCookie: Bool
    /// Lower-cased field names from `Vary`; `*` included when present.
    public var vary: [String]
    public var etag: String?

    public init(
        status: Int, cacheControl: CacheControl = CacheControl(), date: Int64? = nil, expires: Int64?? = nil,
        lastModified: Int64? = nil, age: Int64? = nil, hasSetCookie: Bool = false, vary: [String] = [], etag: String? = nil
    ) {
        self.status = status
        self.cacheControl = cacheControl
        self.date = date
        self.expires = expires
        self.lastModified = lastModified
        self.age = age
        self.hasSetCookie = hasSetCookie
        self.vary = vary
        self.etag = etag
    }

    public var hasExplicitExpiration: Bool {
        self.cacheControl.sharedMaxAge != nil || self.cacheControl.maxAge != nil || self.expires != nil
    }

    public var hasValidator: Bool { self.etag != nil || self.lastModified != nil }
}

/// The rule's say in freshness (from rules.yaml), in seconds.
public struct EdgeOverride: Sendable, Hashable {
    public enum Mode: Sendable, Hashable {
        /// The rule's TTL, whatever the origin's Cache-Control says about freshness.
        case override
        /// The origin's explicit freshness when it gives one; the rule's TTL otherwise.
        case respectOrigin
    }

    public var mode: Mode
    public var edgeTTL: Int64?
    public var staleWhileRevalidate: Int64?
    public var staleIfError: Int64?

    public init(mode: Mode, edgeTTL: Int64?, staleWhileRevalidate: Int64? = nil, staleIfError: Int64? = nil) {
        self.mode = mode
        self.edgeTTL = edgeTTL
        self.staleWhileRevalidate = staleWhileRevalidate
        self.staleIfError = staleIfError
    }
}
