/// The facts about a request that rules are matched against. `path` is already normalised
/// (`RequestTarget.parse`), so a rule cannot be dodged by spelling a path differently.
public struct RequestFacts: Sendable {
    public var method: String
    /// Lower-case, without port.
    public var host: String
    public var path: String
    public var query: String?

    public init(method: String, host: String, path: String, query: String?) {
        self.method = method
        self.host = host
        self.path = path
        self.query = query
    }
}

/// What the gateway will do with one request: the outcome of route (step 2 of the walk).
public struct Decision: Sendable {
    /// The matching rule's name, or `default` when no rule matched.
    public var ruleName: String
    /// Index of the rule in `rules:`, nil for the default.
    public var ruleIndex: Int?
    public var cache: CachePolicy
    public var limit: LimitPolicy?
    public var maxBody: ByteCount
    public var compress: Bool

    public init(ruleName: String, ruleIndex: Int?, cache: CachePolicy, limit: LimitPolicy?, maxBody: ByteCount, compress: Bool) {
        self.ruleName = ruleName
        self.ruleIndex = ruleIndex
        self.cache = cache
        self.limit = limit
        self.maxBody = maxBody
        self.compress = compress
    }

    public static let defaultRuleName = "default"
}
