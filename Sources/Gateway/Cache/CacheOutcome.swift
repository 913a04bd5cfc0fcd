import CacheSemantics
import NIOCore
import NIOHTTP1

/// What the cache did for one response, named once and shown twice: `X-Cache` in Cloudflare's
/// vocabulary and `Cache-Status` (RFC 9211), so what the code decided is what the client sees.
enum CacheOutcome: Sendable, Equatable {
    /// Fresh from the cache; `source` says what set its freshness (the rule or the origin's header).
    case hit(ttl: Int64, source: Freshness.Source)
    /// Stale within stale-while-revalidate, served while one background fetch refreshes it.
    case updating(ttl: Int64)
    /// Stale, served because the origin failed (stale-if-error). `originStatus` when it answered at all.
    case stale(ttl: Int64, originStatus: UInt?)
    /// Stale, validated by the origin with 304.
    case revalidated(ttl: Int64, source: Freshness.Source)
    /// Stale, replaced by a new response from the origin.
    case expired(ttl: Int64?, originStatus: UInt, notStored: NotStoredReason?, source: Freshness.Source?)
    /// Not in the cache; fetched.
    case miss(ttl: Int64?, originStatus: UInt, notStored: NotStoredReason?, source: Freshness.Source?)
    /// Not in the cache; answered from another request's fetch of the same key.
    case collapsed(ttl: Int64, source: Freshness.Source)
    /// The rule says bypass.
    case bypass(originStatus: UInt?)
    /// Not eligible for the cache: unsafe method, range on a miss, hit-for-miss.
    case dynamic(originStatus: UInt?, detail: String)

    var xCache: String {
        switch self {
        case .hit: return "HIT"
        case .updating: return "UPDATING"
        case .stale: return "STALE"
        case .revalidated: return "REVALIDATED"
        case .expired(_, _, let notStored, _): return notStored == nil ? "EXPIRED" : "DYNAMIC"
        case .miss(_, _, let notStored, _): return notStored == nil ? "MISS" : "DYNAMIC"
        case .collapsed: return "MISS"
        case .bypass: return "BYPASS"
        case .dynamic: return "DYNAMIC"
        }
    }

    /// An RFC 9211 list member: `gateway; fwd=miss; fwd-status=200; stored; ttl=30`.
    var cacheStatus: String {
        var value = CacheOutcome.cacheName
        func param(_ text: String) { value += "; " + text }
        switch self {
        case .hit(let ttl, let source):
            param("hit")
            param("ttl=\(ttl)")
            param("detail=\(source.rawValue)")
        case .updating(let ttl):
            param("hit")
            param("ttl=\(ttl)")
            param("detail=stale-while-revalidate")
        case .stale(let ttl, let status):
            param("fwd=stale")
            if let status { param("fwd-status=\(status)") }
            param("ttl=\(ttl)")
            param("detail=stale-if-error")
        case .revalidated(let ttl, let source):
            param("fwd=stale")
            param("fwd-status=304")
            param("ttl=\(ttl)")
            param("detail=\(source.rawValue)")
        case .expired(let ttl, let status, let notStored, let source):
            param("fwd=stale")
            param("fwd-status=\(status)")
            Self.storage(ttl: ttl, notStored: notStored, source: source, param)
        case .miss(let ttl, let status, let notStored, let source):
            param("fwd=miss")
            param("fwd-status=\(status)")
            Self.storage(ttl: ttl, notStored: notStored, source: source, param)
        case .collapsed(let ttl, let source):
            param("fwd=miss")
            param("collapsed")
            param("ttl=\(ttl)")
            param("detail=\(source.rawValue)")
        case .bypass(let status):
            param("fwd=bypass")
            if let status { param("fwd-status=\(status)") }
            param("detail=rule")
        case .dynamic(let status, let detail):
            param(detail == "method" ? "fwd=method" : "fwd=uri-miss")
            if let status { param("fwd-status=\(status)") }
            param("detail=\(detail)")
        }
        return value
    }

    private static func storage(ttl: Int64?, notStored: NotStoredReason?, source: Freshness.Source?, _ param: (String) -> Void) {
        if let notStored {
            param("detail=\(notStored.rawValue)")
        } else {
            param("stored")
            if let ttl { param("ttl=\(ttl)") }
            if let source { param("detail=\(source.rawValue)") }
        }
    }

    /// The cache's name in Cache-Status.
    static let cacheName = "edge-gateway"

    /// `cacheStatus` written into a response head; a fresh hit's, the common case, without making a string.
    func writeCacheStatus(into buffer: inout ByteBuffer) {
        guard case .hit(let ttl, let source) = self else {
            buffer.writeString(self.cacheStatus)
            return
        }
        buffer.writeString(CacheOutcome.cacheName)
        buffer.writeStaticString("; hit; ttl=")
        ResponseBytes.writeDecimal(ttl, into: &buffer)
        buffer.writeStaticString("; detail=")
        buffer.writeString(source.rawValue)
    }

    /// For logs and metrics: `xCache` in lower case, as literals (no string is made per request).
    var label: String {
        switch self.xCache {
        case "HIT": return "hit"
        case "UPDATING": return "updating"
        case "STALE": return "stale"
        case "REVALIDATED": return "revalidated"
        case "EXPIRED": return "expired"
        case "MISS": return "miss"
        case "BYPASS": return "bypass"
        case "DYNAMIC": return "dynamic"
        default: return self.xCache.lowercased()
        }
    }
}

extension CacheOutcome {
    /// The same outcome, now that the origin's status is known.
    func with(originStatus status: UInt) -> CacheOutcome {
        switch self {
        case .bypass: return .bypass(originStatus: status)
        case .dynamic(_, let detail): return .dynamic(originStatus: status, detail: detail)
        default: return self
        }
    }
}
