// Micro-benchmarks of the functions every request (or every origin response) runs through:
// route (rules.yaml matching), the cache key, the RFC 9111 store and reuse decisions, and the rate
// limiter's decision. Run with bench/micro, whose header says how to read the table.
//
// A sample is 1000 calls (`scalingFactor: .kilo`), or one call for the functions that take microseconds;
// the wall clock and the malloc count reported are per call either way. Inputs are built outside the measured loop and passed through
// `identity` so the optimiser cannot hoist a call out of the loop; every result goes to `blackHole`.

import Benchmark
import CacheSemantics
import Foundation
@_spi(Benchmarks) import Gateway
import NIOHTTP1
import Rules

// MARK: - Shared inputs, built once per process on first use (a setup hook touches them)

/// The shipped rules.yaml at the repository root (or $GATEWAY_RULES), loaded as the gateway loads it.
let shippedRules: GatewayConfig = {
    let path = ProcessInfo.processInfo.environment["GATEWAY_RULES"]
        ?? URL(fileURLWithPath: #filePath)  // <repo>/Benchmarks/Benchmarks/HotPaths/HotPaths.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("rules.yaml").path
    switch ConfigLoader.load(file: path) {
    case .success(let config): return config
    case .failure(let problems): fatalError("\(path):\n\(problems)")
    }
}()

/// Requests as route sees them: method, host (lower-case, no port), normalised path, query.
enum Requests {
    static let asset = RequestFacts(method: "GET", host: "app.example.com", path: "/assets/app.3f9a2c.js", query: nil)
    static let feed = RequestFacts(
        method: "GET", host: "app.example.com", path: "/supabase/functions/feed-api", query: "limit=20&cursor=1699999999"
    )
    static let rest = RequestFacts(method: "GET", host: "app.example.com", path: "/rest/v1/posts", query: "select=*&order=id.desc")
    static let auth = RequestFacts(method: "POST", host: "app.example.com", path: "/auth/v1/token", query: "grant_type=password")
    static let unmatched = RequestFacts(method: "GET", host: "app.example.com", path: "/about/team", query: nil)
}

/// The feed rule's cache policy and limit, from the shipped rules.
let feedDecision = shippedRules.decide(Requests.feed)

/// The feed rule's edge TTLs as the cache fill passes them to StorePolicy (CacheTTL.edgeOverride in Gateway).
let feedOverride: EdgeOverride = {
    guard case .ttl(let ttl) = feedDecision.cache else { fatalError("the feed rule in rules.yaml has no TTLs") }
    return EdgeOverride(
        mode: ttl.mode == .override ? .override : .respectOrigin,
        edgeTTL: ttl.edgeTTL.map(\.wholeSeconds),
        staleWhileRevalidate: ttl.staleWhileRevalidate.map(\.wholeSeconds),
        staleIfError: ttl.staleIfError.map(\.wholeSeconds)
    )
}()

/// 2023-11-14T22:13:20Z, the origin's Date below.
let originDate: Int64 = 1_700_000_000
let originDateText = HTTPDate.format(originDate)
let feedCacheControl = "public, max-age=30, stale-while-revalidate=60"
let assetCacheControl = "public, max-age=31536000, immutable"

/// The head the demo origin's feed answers with (what CacheFill reads ResponseFacts from).
let feedHead: HTTPResponseHead = {
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
    headers.add(name: "Content-Length", value: "18342")
    headers.add(name: "Cache-Control", value: feedCacheControl)
    headers.add(name: "Date", value: originDateText)
    headers.add(name: "Last-Modified", value: HTTPDate.format(originDate - 3600))
    headers.add(name: "ETag", value: "\"feed-4f1c2a\"")
    headers.add(name: "Vary", value: "Accept-Encoding")
    headers.add(name: "Server", value: "demo-origin")
    return HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
}()

let feedFacts = ResponseFacts(feedHead)
let assetFacts = ResponseFacts(
    status: 200, cacheControl: CacheControl(assetCacheControl), date: originDate, lastModified: originDate - 86_400,
    etag: "\"app-3f9a2c\""
)
/// No Cache-Control, no Expires: only Last-Modified, so heuristic freshness (RFC 9111 4.2.2).
let heuristicFacts = ResponseFacts(status: 200, date: originDate, lastModified: originDate - 864_000)

/// A stored feed response's freshness and age basis, and times at which it is fresh / within swr.
let feedFreshness: Freshness = {
    guard case .store(let freshness) = StorePolicy.decide(
        method: "GET", requestHasAuthorization: false, response: feedFacts, override: feedOverride
    ) else { fatalError("the feed response is not storable") }
    return freshness
}()
let feedBasis = AgeBasis(requestTime: Double(originDate) - 0.02, responseTime: Double(originDate), dateValue: originDate, ageValue: nil)

// MARK: - The rate limiter's tables

enum Limits {
    static let tableKeys = 100_000
    /// 100/min per IP, as the feed rule in rules.yaml.
    static let policy: LimitPolicy = {
        guard let limit = feedDecision.limit else { fatalError("the feed rule in rules.yaml has no limit") }
        return limit
    }()
    static let window = Double(policy.sustained.unit.duration.wholeSeconds)
    /// One fixed time: every decision falls in the same slice of the window, so none rolls it.
    static let now = 1_700_000_010.5
    /// High enough that a key the benchmark hammers is never refused.
    static let unbounded = 1 << 40
    static let noHeaders = HTTPHeaders()

    static func ip(_ n: Int) -> String { "10.\((n >> 16) & 255).\((n >> 8) & 255).\(n & 255)" }

    /// 100,000 client keys as the limiter makes them (LimitKey.make), each counted once already.
    static let keys: [String] = (0..<tableKeys).map {
        LimitKey.make(rule: feedDecision.ruleName, policy: policy, clientIP: ip($0), path: "/supabase/functions/feed-api", headers: noHeaders)
    }
    static let hotKey = LimitKey.make(
        rule: feedDecision.ruleName, policy: policy, clientIP: "203.0.113.7", path: "/supabase/functions/feed-api", headers: noHeaders
    )

    /// A table (capacity 200,000, the RateLimiter's default) holding the 100,000 keys and the hot key.
    static func filledTable() -> WindowTable {
        let table = WindowTable(capacity: 200_000)
        for key in keys { blackHole(table.decide(key, limit: policy.sustained.count, windowSeconds: window, now: now, block: nil)) }
        blackHole(table.decide(hotKey, limit: unbounded, windowSeconds: window, now: now, block: nil))
        return table
    }

    static let spreadTable = filledTable()
    static let hotAllowedTable = filledTable()
    static let hotRefusedTable = filledTable()
    static let keyAndDecideTable = filledTable()
}

/// Walks the 100,000 keys in a scattered order across samples (a prime stride), so the table is not
/// read from a few warm cache lines.
nonisolated(unsafe) var spreadCursor = 0

// MARK: - The benchmarks

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 1_000
    )
    // Functions that take microseconds are measured one call per sample: on a busy machine a sample of
    // a thousand calls (milliseconds) is often cut by a scheduler tick, which would move the median.
    let oneCallPerSample = Benchmark.Configuration(scalingFactor: .one, maxIterations: 10_000)

    // 1. Route: the first rule of the shipped rules.yaml that fits.
    let routes: [(String, RequestFacts)] = [
        ("rule 1, asset", Requests.asset),
        ("rule 2, feed", Requests.feed),
        ("rule 3, /rest", Requests.rest),
        ("rule 4, /auth", Requests.auth),
        ("rule none, /about/team", Requests.unmatched),
    ]
    for (name, facts) in routes {
        Benchmark("Rules.decide \(name)") { benchmark in
            let config = shippedRules
            for _ in benchmark.scaledIterations {
                blackHole(config.decide(identity(facts)))
            }
        } setup: {
            blackHole(shippedRules)
        }
    }

    Benchmark("RequestTarget.parse plain") { benchmark in
        let uri = "/assets/app.3f9a2c.js"
        for _ in benchmark.scaledIterations {
            blackHole(RequestTarget.parse(identity(uri)))
        }
    }

    Benchmark("RequestTarget.parse normalising") { benchmark in
        let uri = "/a/./b/../%61pp.js?x=1"
        for _ in benchmark.scaledIterations {
            blackHole(RequestTarget.parse(identity(uri)))
        }
    }

    // 2. The cache key, as HTTPCache.key makes it.
    let assetTarget = RequestTarget(path: "/assets/app.3f9a2c.js", query: nil)
    let feedTarget = RequestTarget(path: "/supabase/functions/feed-api", query: "limit=20&cursor=1699999999")
    let trackedTarget = RequestTarget(path: "/products/list", query: "utm_source=news&page=2&utm_medium=email&sort=price&q=shoes")
    let sortedPolicy = CacheKeyPolicy(query: .sorted, ignore: ["utm_source", "utm_medium", "utm_campaign"])

    Benchmark("CacheKey asset, no query") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(CacheKey(version: 1, host: identity("app.example.com"), target: identity(assetTarget)))
        }
    }

    Benchmark("CacheKey feed, query as sent") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(CacheKey(version: 1, host: identity("app.example.com"), target: identity(feedTarget)))
        }
    }

    Benchmark("CacheKey query sorted, utm_* ignored", configuration: oneCallPerSample) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(CacheKey(version: 1, host: identity("app.example.com"), target: identity(trackedTarget), policy: sortedPolicy))
        }
    }

    // 3. Freshness: reading an origin response's head, deciding whether to store it, deciding whether a
    //    stored one may answer.
    Benchmark("CacheControl parse feed", configuration: oneCallPerSample) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(CacheControl(identity(feedCacheControl)))
        }
    }

    Benchmark("CacheControl parse asset", configuration: oneCallPerSample) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(CacheControl(identity(assetCacheControl)))
        }
    }

    Benchmark("HTTPDate.parse IMF-fixdate", configuration: oneCallPerSample) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(HTTPDate.parse(identity(originDateText)))
        }
    }

    Benchmark("ResponseFacts(head) feed", configuration: oneCallPerSample) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(ResponseFacts(identity(feedHead)))
        }
    }

    Benchmark("StorePolicy.decide feed, rule TTL") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(StorePolicy.decide(method: "GET", requestHasAuthorization: false, response: identity(feedFacts), override: feedOverride))
        }
    }

    Benchmark("StorePolicy.decide asset, origin max-age") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(StorePolicy.decide(method: "GET", requestHasAuthorization: false, response: identity(assetFacts), override: nil))
        }
    }

    Benchmark("StorePolicy.decide heuristic") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(StorePolicy.decide(method: "GET", requestHasAuthorization: false, response: identity(heuristicFacts), override: nil))
        }
    }

    Benchmark("Store: head -> facts -> decide feed", configuration: oneCallPerSample) { benchmark in
        for _ in benchmark.scaledIterations {
            let facts = ResponseFacts(identity(feedHead))
            blackHole(StorePolicy.decide(method: "GET", requestHasAuthorization: false, response: facts, override: feedOverride))
        }
    }

    Benchmark("Reuse.decide fresh") { benchmark in
        let now = Double(originDate) + 12
        for _ in benchmark.scaledIterations {
            blackHole(Reuse.decide(identity(feedFreshness), basis: feedBasis, now: now))
        }
    }

    Benchmark("Reuse.decide stale-while-revalidate") { benchmark in
        let now = Double(originDate) + 45
        for _ in benchmark.scaledIterations {
            blackHole(Reuse.decide(identity(feedFreshness), basis: feedBasis, now: now))
        }
    }

    // 4. The rate limiter: one decision on a sliding window, and on the in-memory table.
    Benchmark("SlidingWindow decide") { benchmark in
        var window = SlidingWindow.empty
        for _ in benchmark.scaledIterations {
            let (decision, updated) = RateLimitDecision.decide(
                window: identity(window), limit: Limits.unbounded, windowSeconds: Limits.window, now: Limits.now
            )
            window = updated
            blackHole(decision)
        }
    }

    Benchmark("WindowTable.decide 100k keys, spread") { benchmark in
        let table = Limits.spreadTable
        let keys = Limits.keys
        var cursor = spreadCursor
        for _ in benchmark.scaledIterations {
            cursor = (cursor + 7_919) % Limits.tableKeys
            blackHole(table.decide(keys[cursor], limit: Limits.unbounded, windowSeconds: Limits.window, now: Limits.now, block: nil))
        }
        spreadCursor = cursor
    } setup: {
        blackHole(Limits.spreadTable)
    }

    Benchmark("WindowTable.decide hot key, allowed") { benchmark in
        let table = Limits.hotAllowedTable
        let key = Limits.hotKey
        for _ in benchmark.scaledIterations {
            blackHole(table.decide(identity(key), limit: Limits.unbounded, windowSeconds: Limits.window, now: Limits.now, block: nil))
        }
    } setup: {
        blackHole(Limits.hotAllowedTable)
    }

    Benchmark("WindowTable.decide hot key, refused") { benchmark in
        let table = Limits.hotRefusedTable
        let key = Limits.hotKey
        let limit = Limits.policy.sustained.count  // 100/min: past it after the warm-up
        for _ in benchmark.scaledIterations {
            blackHole(table.decide(identity(key), limit: limit, windowSeconds: Limits.window, now: Limits.now, block: nil))
        }
    } setup: {
        blackHole(Limits.hotRefusedTable)
    }

    Benchmark("Limiter: LimitKey.make + decide") { benchmark in
        let table = Limits.keyAndDecideTable
        let rule = feedDecision.ruleName
        for _ in benchmark.scaledIterations {
            let key = LimitKey.make(
                rule: rule, policy: Limits.policy, clientIP: identity("203.0.113.7"), path: "/supabase/functions/feed-api",
                headers: Limits.noHeaders
            )
            blackHole(table.decide(key, limit: Limits.unbounded, windowSeconds: Limits.window, now: Limits.now, block: nil))
        }
    } setup: {
        blackHole(Limits.keyAndDecideTable)
    }
}
