import CacheSemantics
import NIOCore
import NIOHTTP1
import Rules
import Testing

@_spi(Benchmarks) @testable import Gateway

/// A hit written as bytes from a prepared head (`CachedHead.bytes`) says what the general path
/// (`CachedHead.make`, then `ResponseBytes`) says, field for field, for every request shape it takes;
/// and it declines the shapes it does not take.
@Suite("Cached heads as bytes")
struct CachedHeadBytesTests {
    /// 4,200 bytes: a buffer sent with its head. `large`: 92,400 bytes, spooled to a memory file and sent
    /// with sendfile.
    static func body(large: Bool) -> String { String(repeating: "console.log('edge');\n", count: large ? 4_400 : 200) }

    func entry(extra: HTTPHeaders = [:], compressible: Bool = true, large: Bool = false) -> CachedResponse {
        let body = Self.body(large: large)
        var headers: HTTPHeaders = [
            "content-type": "application/javascript", "etag": "\"v1\"", "cache-control": "public, max-age=60",
            "vary": "Origin", "cache-tag": "assets", "content-length": String(body.utf8.count),
        ]
        headers.add(contentsOf: extra)
        return CachedResponse(
            key: CacheKey(primary: "v1|example.com|/app.js"), status: .ok, headers: headers, body: ByteBuffer(string: body),
            freshness: Freshness(lifetime: 60, source: .rule),
            basis: AgeBasis(requestTime: 1_000, responseTime: 1_000, dateValue: nil, ageValue: nil), variant: .none,
            compressible: compressible
        )
    }

    struct Shape: CustomTestStringConvertible, Sendable {
        let name: String
        var method: HTTPMethod = .GET
        var version: HTTPVersion = .http1_1
        var headers: HTTPHeaders = [:]
        var close = false
        var limited = false
        var upstreamStatus = false
        var testDescription: String { self.name }
    }

    static let shapes: [Shape] = [
        Shape(name: "a plain GET"),
        Shape(name: "a GET that takes br", headers: ["accept-encoding": "gzip, br"]),
        Shape(name: "a GET that takes gzip only", headers: ["accept-encoding": "gzip"]),
        Shape(name: "a HEAD", method: .HEAD),
        Shape(name: "HTTP/1.0", version: .http1_0),
        Shape(name: "the last on its connection", close: true),
        Shape(name: "a limited hit", limited: true),
        Shape(name: "behind a cache that reports itself", upstreamStatus: true),
    ]

    @Test("the bytes say what the general path says", arguments: shapes, [false, true])
    func sameAsGeneralPath(shape: Shape, large: Bool) throws {
        let entry = self.entry(extra: shape.upstreamStatus ? ["cache-status": "origin-cdn; hit"] : [:], large: large)
        if large { guard case .spooled = entry.stored else { Issue.record("a large body is spooled"); return } }
        let request = HTTPRequestHead(version: shape.version, method: shape.method, uri: "/app.js", headers: shape.headers)
        let limit = shape.limited
            ? LimitVerdict(
                rule: "assets", sustained: RateLimitDecision(allowed: true, limit: 100, remaining: 41, resetSeconds: 17, windowSeconds: 60),
                burst: nil
            ) : nil
        let encoding = CachedHead.Encoding(config: CompressionConfig(), allowed: true, charge: { _ in })
        let browser = BrowserPolicy(ttl: .seconds(300), immutable: true)
        let outcome = CacheOutcome.hit(ttl: 50, source: .rule)
        let bytes = try #require(
            CachedHead.bytes(
                entry, outcome: outcome, now: 1_010, request: request, browser: browser, limit: limit, encoding: encoding,
                via: "1.1 edge", close: shape.close, allocator: ByteBufferAllocator()
            )
        )
        let (made, general) = CachedHead.make(
            entry, outcome: outcome, now: 1_010, request: request, browser: browser, limit: limit, encoding: encoding, via: "1.1 edge",
            close: shape.close
        )
        var head = made
        _ = ResponseBytes.frame(&head, method: shape.method)
        var expected = ByteBuffer()
        ResponseBytes.write(head, into: &expected)

        let got = try Self.parse(String(buffer: bytes.head))
        let want = try Self.parse(String(buffer: expected))
        #expect(got.statusLine == want.statusLine)
        #expect(got.fields.sorted { $0 < $1 } == want.fields.sorted { $0 < $1 })
        // Each field once: nothing stored and nothing of the gateway's own written twice.
        #expect(Set(got.fields.map { $0.name }).count == got.fields.count)

        var generalBody = ByteBuffer()
        if case .whole(let whole) = general { generalBody = try #require(whole.slice(at: 0, count: whole.length)) }
        let headBytes = Array(bytes.head.readableBytesView)
        let blank = try #require((0..<(headBytes.count - 3)).first { Array(headBytes[$0..<($0 + 4)]) == Array("\r\n\r\n".utf8) })
        let gotBody: ByteBuffer
        switch bytes.body {
        case .buffer(let buffer): gotBody = buffer
        case .spooled(let file): gotBody = try #require(file.read())
        case nil: gotBody = ByteBuffer(bytes: headBytes[(blank + 4)...])
        }
        // A large identity body goes out as its file; the compressed ones are small and kept in buffers.
        if large, shape.method == .GET, shape.headers.isEmpty {
            guard case .spooled = bytes.body else { Issue.record("sent from its file"); return }
        }
        #expect(gotBody == generalBody)
        if shape.method == .HEAD { #expect(gotBody.readableBytes == 0) }
    }

    @Test("a conditional, a range or another status goes the general way")
    func declines() {
        let encoding = CachedHead.Encoding(config: CompressionConfig(), allowed: true, charge: { _ in })
        let entry = self.entry()
        for headers: HTTPHeaders in [["range": "bytes=0-9"], ["if-none-match": "\"v1\""], ["If-Modified-Since": "Tue, 01 Jan 2030 00:00:00 GMT"]] {
            let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/app.js", headers: headers)
            #expect(
                CachedHead.bytes(
                    entry, outcome: .hit(ttl: 1, source: .rule), now: 1_000, request: request, browser: .origin, limit: nil,
                    encoding: encoding, via: "v", close: false, allocator: ByteBufferAllocator()
                ) == nil
            )
        }
        let post = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/app.js")
        #expect(
            CachedHead.bytes(
                entry, outcome: .hit(ttl: 1, source: .rule), now: 1_000, request: post, browser: .origin, limit: nil,
                encoding: encoding, via: "v", close: false, allocator: ByteBufferAllocator()
            ) == nil
        )
    }

    @Test("the head is prepared once per coding and charged once")
    func preparedOnce() throws {
        let entry = self.entry()
        var charged = 0
        let encoding = CachedHead.Encoding(config: CompressionConfig(), allowed: true, charge: { charged += $0 })
        let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/app.js")
        for _ in 0..<3 {
            _ = CachedHead.bytes(
                entry, outcome: .hit(ttl: 1, source: .rule), now: 1_000, request: request, browser: .origin, limit: nil,
                encoding: encoding, via: "v", close: false, allocator: ByteBufferAllocator()
            )
        }
        #expect(charged > 0 && charged < 1_024)
        let once = charged
        _ = CachedHead.bytes(
            entry, outcome: .hit(ttl: 1, source: .rule), now: 1_000, request: request, browser: .origin, limit: nil,
            encoding: encoding, via: "v", close: false, allocator: ByteBufferAllocator()
        )
        #expect(charged == once)
    }

    @Test("limit fields written as bytes are the ones added to a head, refusals included")
    func limitFieldBytes() throws {
        let allowed = RateLimitDecision(allowed: true, limit: 100, remaining: 41, resetSeconds: 17, windowSeconds: 60)
        let refused = RateLimitDecision(allowed: false, limit: 20, remaining: 0, resetSeconds: 0, windowSeconds: 60)
        let verdicts = [
            LimitVerdict(rule: "api", sustained: allowed, burst: nil),
            LimitVerdict(rule: "api", sustained: refused, burst: nil),
            LimitVerdict(rule: "login", sustained: nil, burst: refused),
        ]
        for verdict in verdicts {
            var headers = HTTPHeaders()
            verdict.headers(into: &headers)
            var buffer = ByteBuffer()
            verdict.writeFields(into: &buffer)
            let written = try Self.parse("HTTP/1.1 200 OK\r\n" + String(buffer: buffer) + "\r\n").fields
            #expect(written == headers.map { Field(name: $0.name, value: $0.value) })
            #expect(written.count == (verdict.allowed ? 5 : 6))
        }
    }

    @Test("numbers are written in decimal as String would write them", arguments: [0, 7, 9, 10, 99, 100, 4_096, 31_536_000, -1, -250, Int.max, Int.min])
    func decimal(value: Int) {
        var buffer = ByteBuffer()
        ResponseBytes.writeDecimal(value, into: &buffer)
        ResponseBytes.writeDecimal(Int64(value), into: &buffer)
        #expect(String(buffer: buffer) == String(value) + String(value))
    }

    @Test("a fresh hit's Cache-Status written as bytes is the one the outcome names")
    func cacheStatusBytes() {
        for outcome: CacheOutcome in [.hit(ttl: 0, source: .rule), .hit(ttl: 31_536_000, source: .sharedMaxAge), .updating(ttl: -3)] {
            var buffer = ByteBuffer()
            outcome.writeCacheStatus(into: &buffer)
            #expect(String(buffer: buffer) == outcome.cacheStatus)
        }
    }

    struct Field: Comparable, Sendable {
        let name: String
        let value: String
        static func < (a: Field, b: Field) -> Bool { (a.name, a.value) < (b.name, b.value) }
    }

    /// A head's status line and its fields (names lower-cased).
    static func parse(_ text: String) throws -> (statusLine: String, fields: [Field]) {
        let parts = text.components(separatedBy: "\r\n\r\n")
        let lines = try #require(parts.first).components(separatedBy: "\r\n")
        let fields = try lines.dropFirst().map { line in
            let colon = try #require(line.firstIndex(of: ":"))
            return Field(name: line[..<colon].lowercased(), value: String(line[line.index(after: colon)...].dropFirst()))
        }
        return (lines[0], fields)
    }
}
