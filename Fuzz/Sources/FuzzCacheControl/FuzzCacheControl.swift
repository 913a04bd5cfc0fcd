// Fuzz target `cache-control`: the Cache-Control parser and HTTP date parsing (CacheSemantics), and what the
// gateway decides from them for an origin's response (RFC 9111 storability, freshness, age, reuse).
//
// The input is header lines. A line `Name: value` is that header; any other line is a Cache-Control value,
// so a corpus file may be a bare `max-age=60, public`. The header values are parsed as the gateway parses
// an origin's response head (ResponseFacts), run through StorePolicy, Reuse and the client conditionals,
// and each value is also read as an HTTP date.
//
// Checked beyond "does not crash": delta-seconds are never negative nor above 2^31 (max-stale without a
// value is "any"), a parsed date formats back to a date that parses to the same second (up to year 9999), and a stored
// response's retention is not shorter than its lifetime.
import CacheSemantics
import NIOHTTP1
@_spi(Benchmarks) @testable import Gateway

private let now: Double = 1_700_000_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCacheControl(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var headers = HTTPHeaders()
    var cacheControlValues: [Substring] = []
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
        if let colon = line.firstIndex(of: ":"), line[..<colon].utf8.allSatisfy(isTokenByte), colon > line.startIndex {
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            headers.add(name: String(line[..<colon]), value: String(value))
            if line[..<colon].lowercased() == "cache-control" { cacheControlValues.append(value) }
        } else {
            headers.add(name: "Cache-Control", value: String(line))
            cacheControlValues.append(line)
        }
    }

    // The parser alone, on every Cache-Control value and on the whole input as one value.
    checkDirectives(CacheControl(values: cacheControlValues))
    checkDirectives(CacheControl(text))

    // Dates: the whole input and every header value.
    checkDate(text)
    for (_, value) in headers { checkDate(value) }

    // An origin response with these headers, as the cache fill reads it.
    let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
    var facts = ResponseFacts(head)
    if facts.date == nil { facts.date = Int64(now) }
    let basis = AgeBasis(requestTime: now - 0.25, responseTime: now, dateValue: facts.date, ageValue: facts.age)
    let overrides: [EdgeOverride?] = [
        nil,
        EdgeOverride(mode: .override, edgeTTL: 30, staleWhileRevalidate: 60, staleIfError: 86_400),
        EdgeOverride(mode: .respectOrigin, edgeTTL: 3600),
    ]
    for override in overrides {
        for authorised in [false, true] {
            let decision = StorePolicy.decide(method: "GET", requestHasAuthorization: authorised, response: facts, override: override)
            guard case .store(let freshness) = decision else { continue }
            precondition(freshness.lifetime >= 0, "negative lifetime \(freshness.lifetime) for \(headers)")
            precondition(freshness.retention >= freshness.lifetime, "retention below lifetime: \(freshness)")
            for later in [now, now + 1, now + Double(freshness.lifetime), now + 86_400 * 400] {
                _ = Reuse.decide(freshness, basis: basis, now: later)
                _ = Reuse.mayServeOnError(freshness, basis: basis, now: later)
            }
        }
    }

    // The client conditionals and Range, with these values as the request's.
    _ = Conditional.notModified(
        ifNoneMatch: headers[canonicalForm: "if-none-match"],
        ifModifiedSince: headers.first(name: "if-modified-since").map { Substring($0) },
        etag: facts.etag, lastModified: facts.lastModified, date: facts.date
    )
    if let range = headers.first(name: "range") {
        for length in [0, 1, 100, Int.max] {
            if case .satisfiable(let first, let last) = ByteRangeRequest.parse(Substring(range), length: length) {
                precondition(0 <= first && first <= last && last < length, "range \(range) of \(length) gave \(first)-\(last)")
            }
        }
    }
    return 0
}

private func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
         UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
        return true
    default:
        return false
    }
}

private func checkDirectives(_ cc: CacheControl) {
    let cap: Int64 = 2_147_483_648
    for (name, value) in [("max-age", cc.maxAge), ("s-maxage", cc.sharedMaxAge), ("stale-while-revalidate", cc.staleWhileRevalidate),
                          ("stale-if-error", cc.staleIfError), ("min-fresh", cc.minFresh)] {
        if let value { precondition(value >= 0 && value <= cap, "\(name)=\(value) out of 0...2^31") }
    }
    if let maxStale = cc.maxStale { precondition(maxStale >= 0 && (maxStale <= cap || maxStale == Int64.max), "max-stale=\(maxStale)") }
    _ = cc.isEmpty
}

/// 10000-01-01T00:00:00Z: a leap second on 9999-12-31 (`23:59:60`, accepted as RFC 9110 allows) lands here,
/// and a five-digit year is not an HTTP date, so such a date does not read back; nothing past it does.
private let year10000: Int64 = 253_402_300_800

private func checkDate(_ text: some StringProtocol) {
    guard let seconds = HTTPDate.parse(text) else { return }
    let formatted = HTTPDate.format(seconds)
    guard seconds < year10000 else {
        precondition(seconds == year10000, "\(text) parsed to \(seconds), past year 9999")
        return
    }
    precondition(HTTPDate.parse(formatted) == seconds, "\(text) -> \(seconds) -> \(formatted) does not read back")
}
