import CacheSemantics
import NIOConcurrencyHelpers
import NIOHTTP1
import Rules

/// The cache as the pipeline sees it: the memory tier, the coalescer, the clock and the key namespace.
/// Outlives rule reloads.
final class HTTPCache: Sendable {
    let memory: MemoryTier
    let coalescer: Coalescer
    let clock: any WallClock
    private let namespace = NIOLockedValueBox<UInt64>(1)

    init(config: CacheConfig, clock: any WallClock) {
        self.memory = MemoryTier(budget: config.memory.bytes, maxObject: config.maxObject.bytes)
        self.coalescer = Coalescer()
        self.clock = clock
    }

    /// The key namespace: bumping it makes every stored entry unreachable at once.
    var version: UInt64 { self.namespace.withLockedValue { $0 } }

    func key(host: String, target: RequestTarget) -> CacheKey {
        CacheKey(version: self.version, host: host, target: target)
    }

    /// Drops everything: a new namespace, and the old entries' memory back.
    func purgeEverything() {
        self.namespace.withLockedValue { $0 += 1 }
        self.memory.removeAll()
    }

    /// A successful unsafe request changes the resource: drop what is stored for it.
    func invalidate(_ key: CacheKey) {
        self.memory.remove(key)
        self.coalescer.forget(key.primary)
    }
}

extension ResponseFacts {
    init(_ head: HTTPResponseHead) {
        let headers = head.headers
        let expires: Int64?? = headers.first(name: "expires").map { HTTPDate.parse($0) }
        self.init(
            status: Int(head.status.code),
            cacheControl: CacheControl(values: headers[canonicalForm: "cache-control"]),
            date: headers.first(name: "date").flatMap { HTTPDate.parse($0) },
            expires: expires,
            lastModified: headers.first(name: "last-modified").flatMap { HTTPDate.parse($0) },
            age: headers.first(name: "age").flatMap { Int64($0.trimmingCharacters(in: " ")) },
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
