import CacheSemantics
import NIOCore
import NIOHTTP1
import Rules

/// Step 6 for responses answered from the cache: the stored head with Age, X-Cache and Cache-Status,
/// the rule's browser Cache-Control, and the answer to the client's conditionals and Range.
enum CachedHead {
    enum Body {
        case whole(ByteBuffer)
        case none
        case range(ByteBuffer)
    }

    /// How a stored response may be re-encoded for this client.
    struct Encoding {
        let config: CompressionConfig
        /// The rule allows compression.
        let allowed: Bool
        /// Charges newly made variant bytes against the memory budget.
        let charge: (Int) -> Void
    }

    static func make(
        _ entry: CachedResponse, outcome: CacheOutcome, now: Double, request: HTTPRequestHead, browser: BrowserPolicy,
        limit: LimitVerdict?, encoding: Encoding, via: String, close: Bool
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

        // The variant: the stored coding, or one made from it for this client.
        var body = entry.body
        let wantsRange = request.headers.contains(name: "range")
        if let coding = Self.coding(for: entry, request: request, encoding: encoding, wantsRange: wantsRange), coding != entry.contentCoding,
            let (variant, added) = try? entry.body(in: coding, config: encoding.config)
        {
            encoding.charge(added)
            body = variant
            if coding == .identity {
                headers.remove(name: "content-encoding")
                CompressionPolicy.addVaryAcceptEncoding(&headers)
            } else {
                CompressionPolicy.markEncoded(&headers, coding: coding, length: variant.readableBytes)
            }
        } else if entry.compressible || entry.contentCoding != .identity {
            CompressionPolicy.addVaryAcceptEncoding(&headers)
        }

        var status = entry.status
        var answer = Body.whole(body)
        let notModified = Conditional.notModified(
            ifNoneMatch: request.headers[canonicalForm: "if-none-match"],
            ifModifiedSince: request.headers.first(name: "if-modified-since").map { Substring($0) },
            etag: headers.first(name: "etag"), lastModified: entry.lastModified, date: entry.date
        )
        if notModified && (entry.status == .ok || entry.status.code == 203) {
            status = .notModified
            answer = .none
            for name in ["content-length", "content-type", "content-encoding", "content-range"] { headers.remove(name: name) }
        } else if entry.status == .ok, request.method == .GET || request.method == .HEAD {
            let length = body.readableBytes
            switch ByteRangeRequest.parse(request.headers.first(name: "range").map { Substring($0) }, length: length) {
            case .satisfiable(let first, let last):
                if Self.ifRangeAllows(request, entry), let slice = body.getSlice(at: body.readerIndex + first, length: last - first + 1) {
                    status = .partialContent
                    answer = .range(slice)
                    headers.replaceOrAdd(name: "content-range", value: "bytes \(first)-\(last)/\(length)")
                    headers.replaceOrAdd(name: "content-length", value: String(last - first + 1))
                }
            case .unsatisfiable:
                status = .rangeNotSatisfiable
                answer = .none
                headers.replaceOrAdd(name: "content-range", value: "bytes */\(length)")
                headers.replaceOrAdd(name: "content-length", value: "0")
            case .ignored:
                break
            }
            headers.replaceOrAdd(name: "accept-ranges", value: "bytes")
        }
        if case .whole(let whole) = answer { headers.replaceOrAdd(name: "content-length", value: String(whole.readableBytes)) }
        if request.method == .HEAD { answer = .none }
        return (HTTPResponseHead(version: request.version, status: status, headers: headers), answer)
    }

    /// The coding this client gets: negotiated for compressible entries, else the stored one when the
    /// client accepts it, else identity. Ranges are served from the identity bytes.
    private static func coding(for entry: CachedResponse, request: HTTPRequestHead, encoding: Encoding, wantsRange: Bool) -> ContentCoding? {
        guard let stored = entry.contentCoding else { return nil }
        let header = request.headers[canonicalForm: "accept-encoding"].joined(separator: ", ")
        let accepted = AcceptEncoding(header.isEmpty ? nil : header)
        if wantsRange || request.method == .HEAD {
            return stored == .identity || accepted.quality(of: stored) > 0 ? stored : .identity
        }
        if entry.compressible && encoding.allowed {
            return accepted.preferred ?? .identity
        }
        if stored != .identity && accepted.quality(of: stored) == 0 { return .identity }
        return stored
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
