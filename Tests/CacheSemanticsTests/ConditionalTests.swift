import CacheSemantics
import Testing

/// `Sun, 06 Nov 1994 08:49:37 GMT`
private let modified: Int64 = 784_111_777

private func notModified(
    ifNoneMatch: [String] = [], ifModifiedSince: String? = nil, etag: String? = nil, lastModified: Int64? = nil, date: Int64? = nil
) -> Bool {
    Conditional.notModified(
        ifNoneMatch: ifNoneMatch.map { Substring($0) }, ifModifiedSince: ifModifiedSince.map { Substring($0) }, etag: etag,
        lastModified: lastModified, date: date
    )
}

@Suite("Conditional requests answered from the cache (RFC 9110 13)")
struct ConditionalTests {
    @Test("without conditionals the answer is the full response")
    func noConditionals() {
        #expect(!notModified(etag: "\"a\"", lastModified: modified, date: modified))
    }

    @Test(
        "If-None-Match uses the weak comparison (RFC 9110 8.8.3.2)",
        arguments: [
            ("\"a\"", "\"a\"", true),
            ("W/\"a\"", "\"a\"", true),
            ("\"a\"", "W/\"a\"", true),
            ("W/\"a\"", "W/\"a\"", true),
            ("\"b\"", "\"a\"", false),
            ("W/\"b\"", "W/\"a\"", false),
            ("\"A\"", "\"a\"", false),
            ("\"\"", "\"a\"", false),
            ("\"\"", "\"\"", true),
            (" \"a\" ", "\"a\"", true),
            ("\"a\"", " W/\"a\" ", true),
        ]
    )
    func weakComparison(ifNoneMatch: String, etag: String, expected: Bool) {
        #expect(notModified(ifNoneMatch: [ifNoneMatch], etag: etag) == expected)
    }

    @Test("If-None-Match lists match on any member")
    func lists() {
        #expect(notModified(ifNoneMatch: ["\"x\", \"y\", \"a\""], etag: "\"a\""))
        #expect(notModified(ifNoneMatch: ["\"x\", W/\"a\""], etag: "\"a\""))
        #expect(!notModified(ifNoneMatch: ["\"x\", W/\"y\""], etag: "\"a\""))
        // Several header lines are one list.
        #expect(notModified(ifNoneMatch: ["\"x\"", "\"y\", \"a\""], etag: "\"a\""))
        #expect(!notModified(ifNoneMatch: ["\"x\"", "\"y\""], etag: "\"a\""))
    }

    @Test("a comma inside an entity-tag does not split it")
    func commaInsideTag() {
        #expect(notModified(ifNoneMatch: ["\"x\", \"a,b\""], etag: "\"a,b\""))
        #expect(!notModified(ifNoneMatch: ["\"a\", \"b\""], etag: "\"a,b\""))
        #expect(!notModified(ifNoneMatch: ["\"a,b\""], etag: "\"a\""))
    }

    @Test("* matches any current representation")
    func star() {
        #expect(notModified(ifNoneMatch: ["*"], etag: "\"a\""))
        #expect(notModified(ifNoneMatch: ["\"x\", *"], etag: "W/\"a\""))
        // The stored response is a current representation even when it has no ETag (RFC 9110 13.1.2).
        #expect(notModified(ifNoneMatch: ["*"], etag: nil))
    }

    @Test("an entity-tag cannot match a response without an ETag")
    func noETag() {
        #expect(!notModified(ifNoneMatch: ["\"a\""], etag: nil))
        #expect(!notModified(ifNoneMatch: ["\"a\""], etag: nil, lastModified: modified))
    }

    @Test("If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3)")
    func ifNoneMatchWins() {
        let imsWouldSay304 = "Sun, 06 Nov 1994 08:49:37 GMT"
        #expect(!notModified(ifNoneMatch: ["\"b\""], ifModifiedSince: imsWouldSay304, etag: "\"a\"", lastModified: modified))
        #expect(!notModified(ifNoneMatch: ["\"b\""], ifModifiedSince: imsWouldSay304, etag: nil, lastModified: modified))
        // And a match answers 304 whatever If-Modified-Since says.
        #expect(notModified(ifNoneMatch: ["\"a\""], ifModifiedSince: "Thu, 01 Jan 1970 00:00:00 GMT", etag: "\"a\"", lastModified: modified))
    }

    @Test("If-Modified-Since compares with Last-Modified")
    func ifModifiedSinceLastModified() {
        #expect(notModified(ifModifiedSince: "Sun, 06 Nov 1994 08:49:37 GMT", lastModified: modified))
        #expect(notModified(ifModifiedSince: "Sun, 06 Nov 1994 08:49:38 GMT", lastModified: modified))
        #expect(!notModified(ifModifiedSince: "Sun, 06 Nov 1994 08:49:36 GMT", lastModified: modified))
        // Last-Modified is used even when Date says otherwise.
        #expect(!notModified(ifModifiedSince: "Sun, 06 Nov 1994 08:49:36 GMT", lastModified: modified, date: modified - 100))
        #expect(notModified(ifModifiedSince: "Sun, 06 Nov 1994 08:49:37 GMT", lastModified: modified, date: modified + 100))
    }

    @Test("If-Modified-Since compares with Date when there is no Last-Modified (RFC 9111 4.3.2)")
    func ifModifiedSinceDate() {
        #expect(notModified(ifModifiedSince: "Sun, 06 Nov 1994 08:49:37 GMT", date: modified))
        #expect(!notModified(ifModifiedSince: "Sun, 06 Nov 1994 08:49:36 GMT", date: modified))
        #expect(!notModified(ifModifiedSince: "Sun, 06 Nov 1994 08:49:37 GMT"))
    }

    @Test("If-Modified-Since accepts the obsolete date formats")
    func ifModifiedSinceObsoleteFormats() {
        #expect(notModified(ifModifiedSince: "Sunday, 06-Nov-94 08:49:37 GMT", lastModified: modified))
        #expect(notModified(ifModifiedSince: "Sun Nov  6 08:49:37 1994", lastModified: modified))
        #expect(!notModified(ifModifiedSince: "Sun Nov  6 08:49:36 1994", lastModified: modified))
    }

    @Test(
        "an unparsable If-Modified-Since is ignored",
        arguments: [
            "yesterday", "", "Sun, 06 Nov 2094 08:49:37 UTC", "Sun, 06 Nov 2094 08:49:37 GMT, Sun, 06 Nov 2094 08:49:37 GMT", "-1",
        ]
    )
    func unparsableIgnored(ifModifiedSince: String) {
        #expect(!notModified(ifModifiedSince: ifModifiedSince, lastModified: modified, date: modified))
    }
}
