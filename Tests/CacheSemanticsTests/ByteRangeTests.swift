import CacheSemantics
import Testing

private func parse(_ header: String?, length: Int = 1000) -> ByteRangeRequest {
    ByteRangeRequest.parse(header.map { Substring($0) }, length: length)
}

@Suite("Range requests (RFC 9110 14.1.2)")
struct ByteRangeTests {
    @Test("no Range header: the whole body")
    func absent() {
        #expect(parse(nil) == .ignored)
    }

    @Test(
        "a single satisfiable range",
        arguments: [
            ("bytes=0-99", 0, 99),
            ("bytes=0-0", 0, 0),
            ("bytes=999-999", 999, 999),
            ("bytes=500-599", 500, 599),
            ("bytes=100-", 100, 999),
            ("bytes=0-", 0, 999),
            ("bytes=999-", 999, 999),
            ("bytes=-50", 950, 999),
            ("bytes=-1", 999, 999),
            ("bytes=-1000", 0, 999),
            ("Bytes=0-99", 0, 99),
            ("BYTES=-50", 950, 999),
            ("  bytes=0-99  ", 0, 99),
        ]
    )
    func satisfiable(header: String, first: Int, last: Int) {
        #expect(parse(header) == .satisfiable(first: first, last: last))
    }

    @Test("an end past the length is clamped to the last byte")
    func endClamped() {
        #expect(parse("bytes=900-5000") == .satisfiable(first: 900, last: 999))
        #expect(parse("bytes=0-1000") == .satisfiable(first: 0, last: 999))
        #expect(parse("bytes=0-99", length: 10) == .satisfiable(first: 0, last: 9))
    }

    @Test("a suffix longer than the body is the whole body")
    func suffixLongerThanBody() {
        #expect(parse("bytes=-5000") == .satisfiable(first: 0, last: 999))
        #expect(parse("bytes=-2", length: 1) == .satisfiable(first: 0, last: 0))
    }

    @Test("a start at or past the length is unsatisfiable", arguments: ["bytes=1000-", "bytes=1000-2000", "bytes=5000-6000", "bytes=1000-1000"])
    func startPastLength(header: String) {
        #expect(parse(header) == .unsatisfiable)
    }

    @Test("a zero suffix is unsatisfiable")
    func zeroSuffix() {
        #expect(parse("bytes=-0") == .unsatisfiable)
    }

    @Test("several ranges are answered with the whole body", arguments: ["bytes=0-1,5-6", "bytes=0-99, 200-299", "bytes=-5,0-1", "bytes=0-,"])
    func multipleRanges(header: String) {
        #expect(parse(header) == .ignored)
    }

    @Test("other range units are ignored", arguments: ["items=0-5", "pages=1-2", "bytes 0-99", "byte=0-99", "0-99"])
    func otherUnits(header: String) {
        #expect(parse(header) == .ignored)
    }

    @Test(
        "malformed ranges are ignored",
        arguments: [
            "bytes=", "bytes=-", "bytes=abc", "bytes=a-5", "bytes=5-b", "bytes=5-2", "bytes=--5", "bytes=-1-2", "bytes=-x",
            "bytes=1.5-2", "bytes=99999999999999999999-", "bytes=2000-1000",
        ]
    )
    func malformed(header: String) {
        #expect(parse(header) == .ignored)
    }

    @Test("a zero-length body")
    func zeroLengthBody() {
        // An int-range is satisfiable only when its first byte exists.
        #expect(parse("bytes=0-", length: 0) == .unsatisfiable)
        #expect(parse("bytes=0-0", length: 0) == .unsatisfiable)
        #expect(parse("bytes=0-99", length: 0) == .unsatisfiable)
        #expect(parse("bytes=-0", length: 0) == .unsatisfiable)
        // A non-zero suffix is satisfiable (RFC 9110 14.1.1) but has no bytes to send: the whole (empty) body, not 416.
        #expect(parse("bytes=-5", length: 0) == .ignored)
        #expect(parse("items=0-5", length: 0) == .ignored)
        #expect(parse(nil, length: 0) == .ignored)
    }

    @Test("a one-byte body")
    func oneByteBody() {
        #expect(parse("bytes=0-", length: 1) == .satisfiable(first: 0, last: 0))
        #expect(parse("bytes=0-0", length: 1) == .satisfiable(first: 0, last: 0))
        #expect(parse("bytes=1-", length: 1) == .unsatisfiable)
        #expect(parse("bytes=-1", length: 1) == .satisfiable(first: 0, last: 0))
    }
}
