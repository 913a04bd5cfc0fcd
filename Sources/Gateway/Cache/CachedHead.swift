import CacheSemantics
import NIOCore
import NIOHTTP1
import Rules

/// Step 6 for responses answered from the cache: the stored head with Age, X-Cache and Cache-Status,
/// the rule's browser Cache-Control, and the answer to the client's conditionals and Range.
enum CachedHead {
    enum Body {
        /// The whole body: a buffer, or a memory file sent with sendfile.
        case whole(StoredBody)
        case none
        /// Just the requested bytes (read alone from a memory file).
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
        let wantsRange = request.headers.contains(name: "range")
        let coding = Self.coding(for: entry, request: request, encoding: encoding, wantsRange: wantsRange)
        var (headers, body) = Self.variant(entry, coding: coding, browser: browser, via: via, encoding: encoding)
        headers.replaceOrAdd(name: "age", value: String(entry.age(at: now)))
        CachedHead.mark(&headers, outcome)
        limit?.headers(into: &headers)
        if close { headers.add(name: "connection", value: "close") } else if request.version == .http1_0 { headers.add(name: "connection", value: "keep-alive") }

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
            let length = body.length
            switch ByteRangeRequest.parse(request.headers.first(name: "range").map { Substring($0) }, length: length) {
            case .satisfiable(let first, let last):
                if Self.ifRangeAllows(request, entry), let slice = body.slice(at: first, count: last - first + 1) {
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
        if case .whole(let whole) = answer { headers.replaceOrAdd(name: "content-length", value: String(whole.length)) }
        if request.method == .HEAD { answer = .none }
        return (HTTPResponseHead(version: request.version, status: status, headers: headers), answer)
    }

    /// The stored fields as every response in `coding` carries them, before the per-request ones (Age,
    /// X-Cache, Cache-Status, limits, Connection), and the body in that coding: the stored one, or one
    /// made from it for this client (made once, kept on the entry).
    private static func variant(
        _ entry: CachedResponse, coding: ContentCoding?, browser: BrowserPolicy, via: String, encoding: Encoding
    ) -> (HTTPHeaders, StoredBody) {
        var headers = entry.headers
        headers.remove(name: "cache-tag")
        headers.remove(name: "surrogate-key")
        browser.apply(to: &headers)
        headers.add(name: "via", value: via)
        var body = entry.stored
        if let coding, coding != entry.contentCoding, let (variant, added) = try? entry.body(in: coding, config: encoding.config) {
            encoding.charge(added)
            body = .buffer(variant)
            if coding == .identity {
                headers.remove(name: "content-encoding")
                CompressionPolicy.addVaryAcceptEncoding(&headers)
            } else {
                CompressionPolicy.markEncoded(&headers, coding: coding, length: variant.readableBytes)
            }
        } else if entry.compressible || entry.contentCoding != .identity {
            CompressionPolicy.addVaryAcceptEncoding(&headers)
        }
        return (headers, body)
    }

    /// A hit's head (and body, when small) as bytes, for the common request: a GET or HEAD without
    /// conditionals or Range, of a stored 200. Its stored fields were encoded once (`PreparedHead`, kept on
    /// the entry per coding); only the status line and the per-request fields are written here. Nil when
    /// the request needs `make`.
    static func bytes(
        _ entry: CachedResponse, outcome: CacheOutcome, now: Double, request: HTTPRequestHead, browser: BrowserPolicy,
        limit: LimitVerdict?, encoding: Encoding, via: String, close: Bool, allocator: ByteBufferAllocator
    ) -> (head: ByteBuffer, body: StoredBody?, bodyBytes: Int)? {
        guard entry.status == .ok, request.method == .GET || request.method == .HEAD, !Self.asksConditionallyOrForRange(request.headers) else {
            return nil
        }
        let coding = Self.coding(for: entry, request: request, encoding: encoding, wantsRange: false)
        let (prepared, added) = entry.preparedHead(coding: coding ?? entry.contentCoding, browser: browser, via: via) {
            let (headers, body) = Self.variant(entry, coding: coding, browser: browser, via: via, encoding: encoding)
            return PreparedHead(headers: headers, body: body, coding: coding ?? entry.contentCoding, browser: browser, via: via)
        }
        if added > 0 { encoding.charge(added) }
        if limit != nil && prepared.hasLimitFields { return nil }

        let bodyLength = prepared.body.length
        var inline: ByteBuffer?
        if request.method == .GET, case .buffer(let buffer) = prepared.body, bodyLength <= PreparedHead.inlineBody { inline = buffer }
        var head = allocator.buffer(capacity: prepared.fields.readableBytes + 256 + (inline?.readableBytes ?? 0))
        ResponseBytes.writeStatusLine(version: request.version, status: .ok, into: &head)
        head.writeImmutableBuffer(prepared.fields)
        head.writeStaticString("age: ")
        ResponseBytes.writeDecimal(entry.age(at: now), into: &head)
        head.writeStaticString("\r\nx-cache: ")
        head.writeString(outcome.xCache)
        head.writeStaticString("\r\ncache-status: ")
        if let upstream = prepared.upstreamCacheStatus {
            head.writeString(upstream)
            head.writeStaticString(", ")
        }
        outcome.writeCacheStatus(into: &head)
        head.writeStaticString("\r\n")
        limit?.writeFields(into: &head)
        if close {
            head.writeStaticString("connection: close\r\n")
        } else if request.version == .http1_0 {
            head.writeStaticString("connection: keep-alive\r\n")
        }
        head.writeStaticString("content-length: ")
        ResponseBytes.writeDecimal(bodyLength, into: &head)
        head.writeStaticString("\r\n\r\n")
        if request.method == .HEAD || bodyLength == 0 { return (head, nil, 0) }
        if let inline {
            head.writeImmutableBuffer(inline)
            return (head, nil, bodyLength)
        }
        return (head, prepared.body, bodyLength)
    }

    /// Whether the request has Range, If-None-Match or If-Modified-Since (one pass over its fields).
    private static func asksConditionallyOrForRange(_ headers: HTTPHeaders) -> Bool {
        headers.contains { field in
            switch field.name.utf8.count {
            case 5: return field.name.lowercased() == "range"
            case 13: return field.name.lowercased() == "if-none-match"
            case 17: return field.name.lowercased() == "if-modified-since"
            default: return false
            }
        }
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

/// A stored 200's fields as every hit in one coding sends them — everything but the status line, Age,
/// X-Cache, Cache-Status, limits, Connection and Content-Length — encoded once and kept on the entry.
struct PreparedHead: Sendable {
    /// Bodies up to this size go out in the same buffer as their head: one `write` instead of a `writev`
    /// of two, for the price of a copy.
    static let inlineBody = 16 * 1024

    let coding: ContentCoding?
    let browser: BrowserPolicy
    let via: String
    /// `name: value\r\n` for each field.
    let fields: ByteBuffer
    let body: StoredBody
    /// The origin's own Cache-Status members, which come before the gateway's (RFC 9211).
    let upstreamCacheStatus: String?
    /// The origin sent fields of the limiter's names: a limited hit then goes through `CachedHead.make`,
    /// which replaces them.
    let hasLimitFields: Bool

    init(headers: HTTPHeaders, body: StoredBody, coding: ContentCoding?, browser: BrowserPolicy, via: String) {
        var headers = headers
        let upstream = headers[canonicalForm: "cache-status"].joined(separator: ", ")
        for name in ["cache-status", "x-cache", "age", "content-length", "connection", "transfer-encoding"] {
            headers.remove(name: name)
        }
        headers.replaceOrAdd(name: "accept-ranges", value: "bytes")
        var fields = ByteBuffer()
        for (name, value) in headers {
            fields.writeString(name)
            fields.writeStaticString(": ")
            fields.writeString(value)
            fields.writeStaticString("\r\n")
        }
        // Kept at exactly its size: it lives as long as the entry.
        var exact = ByteBufferAllocator().buffer(capacity: fields.readableBytes)
        exact.writeBuffer(&fields)
        self.fields = exact
        self.body = body
        self.coding = coding
        self.browser = browser
        self.via = via
        self.upstreamCacheStatus = upstream.isEmpty ? nil : upstream
        self.hasLimitFields = headers.contains { LimitVerdict.names.contains($0.name.lowercased()) }
    }

    func matches(coding: ContentCoding?, browser: BrowserPolicy, via: String) -> Bool {
        self.coding == coding && self.browser == browser && self.via == via
    }

    /// What it adds to its entry's memory charge (the body is the entry's or a variant's, charged already).
    var cost: Int { self.fields.readableBytes + self.via.utf8.count + 64 }
}
