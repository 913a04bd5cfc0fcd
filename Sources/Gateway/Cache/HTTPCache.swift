import CacheSemantics
import NIOConcurrencyHelpers
import NIOHTTP1
import Rules

/// The cache as the pipeline sees it: the memory tier, the coalescer, the clock and the key namespace.
/// Outlives rule reloads.
final class HTTPCache: Sendable {
    let memory: MemoryTier
    let coalescer: Coalescer
    let purges: PurgeLedger
    let clock: any WallClock
    private let sharedTier = NIOLockedValueBox<SharedTier?>(nil)

    /// The L2 tier in Redis, once connected.
    var shared: SharedTier? {
        get { self.sharedTier.withLockedValue { $0 } }
        set { self.sharedTier.withLockedValue { $0 = newValue } }
    }
    private let namespace = NIOLockedValueBox<UInt64>(1)

    init(config: CacheConfig, clock: any WallClock) {
        self.memory = MemoryTier(budget: config.memory.bytes, maxObject: config.maxObject.bytes)
        self.coalescer = Coalescer()
        self.purges = PurgeLedger()
        self.clock = clock
    }

    /// The key namespace: bumping it makes every stored entry unreachable at once.
    var version: UInt64 { self.namespace.withLockedValue { $0 } }

    func key(host: String, target: RequestTarget, policy: CacheKeyPolicy = CacheKeyPolicy()) -> CacheKey {
        CacheKey(version: self.version, host: host, target: target, policy: policy)
    }

    /// The stored variant for this request, unless a purge since covers it.
    func lookup(_ key: CacheKey, request: HTTPHeaders) -> CachedResponse? {
        guard let entry = self.memory.lookup(key, request: request) else { return nil }
        if self.purges.isPurged(host: entry.host, path: entry.path, tags: entry.tags, storedAt: entry.storedAt) {
            self.memory.remove(key)
            return nil
        }
        return entry
    }

    /// Moves to namespace `version` (from Redis, so every instance files keys alike) if it is newer.
    func adoptNamespace(_ version: UInt64) {
        let changed = self.namespace.withLockedValue { current -> Bool in
            guard version > current else { return false }
            current = version
            return true
        }
        if changed {
            self.memory.removeAll()
            self.purges.removeAll()
        }
    }

    /// Drops everything: a new namespace, and the old entries' memory back.
    func purgeEverything() {
        self.namespace.withLockedValue { $0 += 1 }
        self.memory.removeAll()
        self.purges.removeAll()
    }

    /// Carries out a purge request on this instance.
    func apply(_ purge: PurgeRequest, at milliseconds: Int64, keyPolicy: (String, RequestTarget) -> CacheKeyPolicy) {
        if purge.everything {
            self.purgeEverything()
            return
        }
        for file in purge.files {
            let key = CacheKey(version: self.version, host: file.host, target: file.target, policy: keyPolicy(file.host, file.target))
            self.invalidate(key)
        }
        for host in purge.hosts { self.purges.purge(host: host, at: milliseconds) }
        for tag in purge.tags { self.purges.purge(tag: tag, at: milliseconds) }
        for prefix in purge.prefixes where !self.purges.purge(prefix: prefix.path, host: prefix.host, at: milliseconds) {
            // The ledger is full: purging everything is always correct.
            self.purgeEverything()
            return
        }
    }

    /// A successful unsafe request changes the resource: drop what is stored for it, here and in L2.
    func invalidate(_ key: CacheKey) {
        self.memory.remove(key)
        self.coalescer.forget(key.primary)
        self.shared?.delete(key, on: nil)
    }
}

extension ResponseFacts {
    @_spi(Benchmarks) public init(_ head: HTTPResponseHead) {
        let headers = head.headers
        let expires: Int64?? = headers.first(name: "expires").map { HTTPDate.parse($0) }
        self.init(
            status: Int(head.status.code),
            cacheControl: CacheControl(values: headers["cache-control"]),
            date: headers.first(name: "date").flatMap { HTTPDate.parse($0) },
            expires: expires,
            lastModified: headers.first(name: "last-modified").flatMap { HTTPDate.parse($0) },
            age: headers.first(name: "age").flatMap { DeltaSeconds.parse($0) },
            hasSetCookie: headers.contains(name: "set-cookie"),
            vary: headers[canonicalForm: "vary"].map { $0.lowercased() },
            etag: headers.first(name: "etag")
        )
    }
}

extension CacheTTL {
    var edgeOverride: EdgeOverride {
        EdgeOverride(
            mode: self.mode == .override ? .override : .respectOrigin,
            edgeTTL: self.edgeTTL.map(\.wholeSeconds),
            staleWhileRevalidate: self.staleWhileRevalidate.map(\.wholeSeconds),
            staleIfError: self.staleIfError.map(\.wholeSeconds)
        )
    }
}
