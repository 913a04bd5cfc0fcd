import CacheSemantics
import NIOCore
import NIOHTTP1

/// Step 6 for responses answered from the cache: the stored head with Age, X-Cache and Cache-Status,
/// the rule's browser Cache-Control, and the answer to the client's conditionals and Range.
enum CachedHead {
    enum Body {
        case whole
        case none
        case range(first: Int, last: Int)
    }

    static func make(
        _ entry: CachedResponse, outcome: CacheOutcome, now: Double, request: HTTPRequestHead, browser: BrowserPolicy,
        limit: LimitVerdict?, via: String, close: Bool
    ) -> (HTTPResponseHead, Body) {
        var headers = entry.headers
        headers.remove(name: "cache-tag")
        headers.remove(name: "surrogate-key")
        headers.replaceOrAdd(name: "age", value: String(entry.age(at: now)))
        CachedHead.mark(&headers, outcome)
        limit?.headers(into: &headers)
        browser.apply(to: &headers)
        headers.add(name: "via", value: via)
        if close { headers.add(name: "connection", value: "close") } else if request.version == .http1_0 { headers.add(name: "connection", value: "keep-alive") }
        var status = entry.status
        var body = Body.whole
        let notModified = Conditional.notModified(
            ifNoneMatch: request.headers[canonicalForm: "if-none-match"],
            ifModifiedSince: request.headers.first(name: "if-modified-since").map { Substring($0) },
            etag: entry.etag, lastModified: entry.lastModified, date: entry.date
        )
        if notModified && (entry.status == .ok || entry.status.code == 203) {
            status = .notModified
            body = .none
            for name in ["content-length", "content-type", "content-encoding", "content-range"] { headers.remove(name: name) }
        } else if entry.status == .ok, request.method == .GET || request.method == .HEAD {
            let length = entry.body.readableBytes
            switch ByteRangeRequest.parse(request.headers.first(name: "range").map { Substring($0) }, length: length) {
            case .satisfiable(let first, let last):
                if Self.ifRangeAllows(request, entry) {
                    status = .partialContent
                    body = .range(first: first, last: last)
                    headers.replaceOrAdd(name: "content-range", value: "bytes \(first)-\(last)/\(length)")
                    headers.replaceOrAdd(name: "content-length", value: String(last - first + 1))
                }
            case .unsatisfiable:
                status = .rangeNotSatisfiable
                body = .none
                headers.replaceOrAdd(name: "content-range", value: "bytes */\(length)")
                headers.replaceOrAdd(name: "content-length", value: "0")
            case .ignored:
                break
            }
            headers.replaceOrAdd(name: "accept-ranges", value: "bytes")
        }
        if request.method == .HEAD { body = .none }
        if case .whole = body { headers.replaceOrAdd(name: "content-length", value: String(entry.body.readableBytes)) }
        return (HTTPResponseHead(version: request.version, status: status, headers: headers), body)
    }

    /// `If-Range` with a strong ETag or a date that still names this entry lets the range through.
    private static func ifRangeAllows(_ request: HTTPRequestHead, _ entry: CachedResponse) -> Bool {
        guard let ifRange = request.headers.first(name: "if-range") else { return true }
        if ifRange.hasPrefix("\"") { return entry.etag == ifRange }
        // A date validator must equal Last-Modified exactly (RFC 9110 13.1.5).
        if let date = HTTPDate.parse(ifRange), let modified = entry.lastModified { return modified == date }
        return false
    }

    static func mark(_ headers: inout HTTPHeaders, _ outcome: CacheOutcome) {
        headers.replaceOrAdd(name: "x-cache", value: outcome.xCache)
        // RFC 9211: the member of the cache closest to the client comes last.
        let upstream = headers[canonicalForm: "cache-status"].joined(separator: ", ")
        headers.replaceOrAdd(name: "cache-status", value: upstream.isEmpty ? outcome.cacheStatus : "\(upstream), \(outcome.cacheStatus)")
    }
}
