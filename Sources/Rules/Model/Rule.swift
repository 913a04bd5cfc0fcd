/// One entry of `rules:`. The first rule whose `match` fits a request decides for it.
public struct Rule: Sendable {
    public var name: String
    public var match: RuleMatch
    public var cache: CachePolicy
    public var limit: LimitPolicy?
    /// Request bodies above this are refused 413; nil means `server.max_body`.
    public var maxBody: ByteCount?
    /// Whether responses under this rule may be compressed at the edge.
    public var compress: Bool
    public var location: SourceLocation

    public init(
        name: String,
        match: RuleMatch,
        cache: CachePolicy = .origin,
        limit: LimitPolicy? = nil,
        maxBody: ByteCount? = nil,
        compress: Bool = true,
        location: SourceLocation = .unknown
    ) {
        self.name = name
        self.match = match
        self.cache = cache
        self.limit = limit
        self.maxBody = maxBody
        self.compress = compress
        self.location = location
    }
}

/// Which requests a rule applies to: every listed part must fit (paths OR-ed, methods OR-ed, hosts OR-ed).
public struct RuleMatch: Sendable {
    public var paths: [PathPattern]
    /// Upper-case methods; nil matches every method.
    public var methods: Set<String>?
    /// nil matches every host.
    public var hosts: [HostPattern]?

    public init(paths: [PathPattern], methods: Set<String>? = nil, hosts: [HostPattern]? = nil) {
        self.paths = paths
        self.methods = methods
        self.hosts = hosts
    }
}

/// A path glob: `*` stands for any run of characters, `/` included. `/assets/*`, `/feed-api*`, `/`.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    /// The literal runs between the stars, as bytes: `/assets/*` is `["/assets/", ""]`.
    let segments: [[UInt8]]
    /// The sum of the literals' lengths: no shorter path can match.
    let minimumLength: Int

    public init(_ pattern: String) {
        self.pattern = pattern
        self.segments = pattern.utf8.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false).map { Array($0) }
        self.minimumLength = segments.reduce(0) { $0 + $1.count }
    }

    public var description: String { pattern }
}

/// `example.com` exactly, or `*.example.com` for any subdomain (not the apex). Case-insensitive; port ignored.
public struct HostPattern: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    /// `*.example.com` is held as the suffix `.example.com`.
    let isWildcard: Bool
    /// The name, or the suffix for a wildcard, lower-case bytes.
    let name: [UInt8]

    public init(_ pattern: String) {
        self.pattern = pattern.lowercased()
        self.isWildcard = self.pattern.hasPrefix("*.")
        self.name = Array(self.pattern.utf8.dropFirst(isWildcard ? 1 : 0))
    }

    public var description: String { pattern }
}

/// What a rule does with the cache.
public enum CachePolicy: Sendable, Hashable {
    /// Never stored, never served from cache: X-Cache BYPASS.
    case bypass
    /// RFC 9111 exactly, by the origin's own headers (what a request that no rule matches gets).
    case origin
    /// CDN-style TTLs from the rule.
    case ttl(CacheTTL)
}

public struct CacheTTL: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable {
        /// The rule's edge TTL applies whatever the origin says (Cloudflare's "ignore cache-control").
        case override
        /// The origin's freshness wins when it gives one; the rule's edge TTL is the default otherwise.
        case respectOrigin = "respect_origin"
    }

    public var edgeTTL: Duration?
    /// What browsers are told in Cache-Control; nil passes the origin's header through.
    public var browserTTL: Duration?
    public var staleWhileRevalidate: Duration?
    public var staleIfError: Duration?
    public var immutable: Bool
    public var mode: Mode
    /// What of the query goes into the cache key.
    public var key: CacheKeyPolicy

    public init(
        edgeTTL: Duration? = nil,
        browserTTL: Duration? = nil,
        staleWhileRevalidate: Duration? = nil,
        staleIfError: Duration? = nil,
        immutable: Bool = false,
        mode: Mode = .override,
        key: CacheKeyPolicy = CacheKeyPolicy()
    ) {
        self.key = key
        self.edgeTTL = edgeTTL
        self.browserTTL = browserTTL
        self.staleWhileRevalidate = staleWhileRevalidate
        self.staleIfError = staleIfError
        self.immutable = immutable
        self.mode = mode
    }
}

/// Which parts of the query string make the cache key (the origin still gets the whole query).
/// `ignore` drops tracking parameters such as `utm_source`; `only` keeps the named ones; `sorted`
/// makes `?a=1&b=2` and `?b=2&a=1` one entry.
public struct CacheKeyPolicy: Sendable, Hashable {
    public enum Query: String, Sendable, Hashable, CaseIterable {
        /// The query as sent (the default).
        case all
        /// No query in the key at all.
        case none
        /// Parameters sorted by name (stable for repeated names).
        case sorted
    }

    public var query: Query
    /// Parameter names left out of the key.
    public var ignore: Set<String>
    /// When set, only these parameter names are in the key.
    public var only: Set<String>?

    public init(query: Query = .all, ignore: Set<String> = [], only: Set<String>? = nil) {
        self.query = query
        self.ignore = ignore
        self.only = only
    }

    public var isDefault: Bool { self.query == .all && self.ignore.isEmpty && self.only == nil }

    /// The query as the key sees it; nil for none.
    public func keyQuery(_ query: String?) -> String? {
        guard let query else { return nil }
        if self.isDefault { return query }
        if self.query == .none { return nil }
        // Each parameter with its name, found once (not once per comparison of the sort).
        var parameters: [(name: Substring, text: Substring)] = query.split(separator: "&", omittingEmptySubsequences: true).map {
            parameter in
            let name: Substring = parameter.firstIndex(of: "=").map { parameter[..<$0] } ?? parameter
            return (name, parameter)
        }
        if !self.ignore.isEmpty || self.only != nil {
            parameters = parameters.filter { parameter in
                let name = String(parameter.name)
                if self.ignore.contains(name) { return false }
                if let only = self.only { return only.contains(name) }
                return true
            }
        }
        if self.query == .sorted {
            // Stable: parameters of the same name keep their order.
            let ordered = parameters.enumerated().sorted { (lhs, rhs) -> Bool in
                lhs.element.name == rhs.element.name ? lhs.offset < rhs.offset : lhs.element.name < rhs.element.name
            }
            parameters = ordered.map { $0.element }
        }
        return parameters.isEmpty ? nil : parameters.map { String($0.text) }.joined(separator: "&")
    }

    /// For summaries: `query sorted, ignoring utm_source`.
    public var summary: String {
        var words: [String] = []
        switch self.query {
        case .all: if self.only == nil && !self.ignore.isEmpty { words.append("query") }
        case .none: words.append("no query")
        case .sorted: words.append("query sorted")
        }
        if let only = self.only { words.append("only \(only.sorted().joined(separator: ", "))") }
        if !self.ignore.isEmpty { words.append("ignoring \(self.ignore.sorted().joined(separator: ", "))") }
        return words.joined(separator: " ")
    }
}

/// A WAF rate limit: a sustained rate (shared through Redis when configured) and an optional burst cap (memory).
public struct LimitPolicy: Sendable, Hashable {
    public enum Key: Sendable, Hashable {
        /// The client IP (IPv6 grouped by `ipv6_prefix`).
        case clientIP
        /// A request header, e.g. an API key; requests without it fall back to the client IP.
        case header(String)
        /// The client IP and the request path together.
        case clientIPAndPath
    }

    public var sustained: Rate
    public var burst: Rate?
    public var key: Key
    /// After the limit is hit, refuse the key for this long (Cloudflare's mitigation timeout).
    public var block: Duration?
    /// IPv6 clients are counted per this prefix length (64 groups a /64).
    public var ipv6Prefix: Int

    public init(sustained: Rate, burst: Rate? = nil, key: Key = .clientIP, block: Duration? = nil, ipv6Prefix: Int = 64) {
        self.sustained = sustained
        self.burst = burst
        self.key = key
        self.block = block
        self.ipv6Prefix = ipv6Prefix
    }
}
