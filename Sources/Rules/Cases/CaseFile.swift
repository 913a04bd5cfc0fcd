/// A cache-behaviour test file for `gateway test`, in the spirit of varnishtest: each case names a rules
/// file, scripts the origin, sends requests (moving the clock between them) and states what must come back.
/// The reference is docs/TESTING.md; `examples/cases/` has cases for the shipped rules.yaml.
public struct CaseFile: Sendable {
    public var cases: [TestCase]

    public init(cases: [TestCase]) { self.cases = cases }
}

public struct TestCase: Sendable {
    public var name: String
    public var location: SourceLocation
    /// The rules file as written (relative paths are relative to the case file).
    public var rulesPath: String
    public var origin: [OriginScript]
    public var steps: [CaseStep]

    public init(name: String, location: SourceLocation, rulesPath: String, origin: [OriginScript], steps: [CaseStep]) {
        self.name = name
        self.location = location
        self.rulesPath = rulesPath
        self.origin = origin
        self.steps = steps
    }
}

/// An HTTP header as written: name and value.
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// Which requests one origin entry answers, and how. The first entry whose conditions all hold answers.
public struct OriginScript: Sendable {
    public var method: String?
    public var path: PathPattern?
    /// Headers the request must carry with exactly these values (names case-insensitive).
    public var requestHeaders: [HeaderField]
    /// Answered in turn; the last one repeats.
    public var replies: [ScriptedReply]

    public init(method: String? = nil, path: PathPattern? = nil, requestHeaders: [HeaderField] = [], replies: [ScriptedReply]) {
        self.method = method
        self.path = path
        self.requestHeaders = requestHeaders
        self.replies = replies
    }
}

public struct ScriptedReply: Sendable {
    public var status: Int
    public var headers: [HeaderField]
    public var body: String
    /// When set, the body is this many bytes of text instead of `body`.
    public var bodySize: ByteCount?
    /// How long the origin waits before answering (real time; the case's clock does not move).
    public var delay: Duration

    public init(status: Int = 200, headers: [HeaderField] = [], body: String = "", bodySize: ByteCount? = nil, delay: Duration = .zero) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodySize = bodySize
        self.delay = delay
    }
}

public enum CaseStep: Sendable {
    case request(RequestStep)
    /// Moves the gateway's clock (cache freshness and rate-limit windows) forward.
    case advance(Duration, at: SourceLocation)
    /// A purge through the admin API, as `{"files": [...], "prefixes": [...], "tags": [...], "hosts": [...]}`.
    case purge(PurgeStep)
}

public struct RequestStep: Sendable {
    public var location: SourceLocation
    public var method: String
    /// Path and query, or an absolute URL.
    public var target: String
    public var headers: [HeaderField]
    public var body: String?
    /// Sent this many times in a row; `expect` holds for every response.
    public var repeatCount: Int
    public var expect: Expectation

    public init(
        location: SourceLocation, method: String, target: String, headers: [HeaderField] = [], body: String? = nil,
        repeatCount: Int = 1, expect: Expectation = Expectation()
    ) {
        self.location = location
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.repeatCount = repeatCount
        self.expect = expect
    }
}

public struct PurgeStep: Sendable {
    public var location: SourceLocation
    public var files: [String] = []
    public var prefixes: [String] = []
    public var tags: [String] = []
    public var hosts: [String] = []
    public var everything = false

    public init(location: SourceLocation) { self.location = location }
}

/// What a response must look like. Every part is optional; an empty expectation only asks for a response.
public struct Expectation: Sendable {
    public var status: Int?
    /// Exact values (the first field of that name; names case-insensitive).
    public var headers: [HeaderField] = []
    public var present: [String] = []
    public var absent: [String] = []
    /// Regular expressions a header's value must contain a match of.
    public var patterns: [HeaderField] = []
    /// The X-Cache value: HIT, MISS, STALE, UPDATING, REVALIDATED, EXPIRED, BYPASS or DYNAMIC.
    public var cache: String?
    public var body: String?
    public var bodyContains: String?
    /// How many requests the origin has received so far in this case.
    public var originRequests: Int?
    /// What the origin's latest request looked like.
    public var originSaw: OriginRequestExpectation?

    public init() {}

    public var isEmpty: Bool {
        status == nil && headers.isEmpty && present.isEmpty && absent.isEmpty && patterns.isEmpty && cache == nil
            && body == nil && bodyContains == nil && originRequests == nil && originSaw == nil
    }
}

public struct OriginRequestExpectation: Sendable {
    public var method: String?
    /// Path and query as the origin received them.
    public var target: String?
    public var headers: [HeaderField] = []
    public var present: [String] = []
    public var absent: [String] = []

    public init() {}
}

/// The X-Cache values a case may expect.
public let xCacheValues = ["HIT", "MISS", "STALE", "UPDATING", "REVALIDATED", "EXPIRED", "BYPASS", "DYNAMIC"]
