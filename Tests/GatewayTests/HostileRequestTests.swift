import GatewayTestSupport
import NIOCore
import Testing

/// Request smuggling and malformed framing: each is refused with the right status, the connection is
/// closed, and nothing of it — least of all a second request hidden in the body — reaches the origin.
@Suite("Hostile requests")
struct HostileRequestTests {
    struct Attack: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: String
        let status: Int
        var testDescription: String { name }
    }

    /// A request the origin would see as a second, smuggled one if the framing were misread.
    static let smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"

    static let attacks: [Attack] = [
        Attack(
            name: "Content-Length and Transfer-Encoding together",
            bytes: "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, status: 400
        ),
        Attack(
            name: "two differing Content-Lengths",
            bytes: "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\nhello" + smuggled, status: 400
        ),
        Attack(
            name: "a Content-Length list with differing values",
            bytes: "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 40\r\n\r\nhello" + smuggled, status: 400
        ),
        Attack(
            name: "a Content-Length that is not a number",
            bytes: "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello" + smuggled, status: 400
        ),
        Attack(
            name: "chunked that is not the final transfer coding",
            bytes: "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n" + smuggled, status: 400
        ),
        Attack(
            name: "chunked given twice",
            bytes: "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, status: 400
        ),
        Attack(
            name: "an unknown transfer coding",
            bytes: "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: zstd-custom, chunked\r\n\r\n0\r\n\r\n" + smuggled, status: 501
        ),
        Attack(
            name: "a transfer coding the gateway does not decode before chunked",
            bytes: "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + smuggled, status: 501
        ),
        Attack(
            name: "an obfuscated chunked (an unknown coding)",
            bytes: "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunkedx\r\n\r\n0\r\n\r\n" + smuggled, status: 501
        ),
        Attack(
            name: "an invalid chunk size",
            bytes: "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n" + smuggled, status: 400
        ),
        Attack(
            name: "a chunk size that overflows",
            bytes: "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff1\r\nhello\r\n0\r\n\r\n", status: 400
        ),
        Attack(name: "obs-fold", bytes: "GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\r\n  c\r\n\r\n", status: 400),
        Attack(name: "a NUL in a header value", bytes: "GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\u{0}c\r\n\r\n", status: 400),
        Attack(name: "a bare CR in a header value", bytes: "GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\rc\r\n\r\n", status: 400),
        Attack(name: "a bare LF line ending", bytes: "GET /a HTTP/1.1\nHost: x\nX-A: b\n\n", status: 400),
        Attack(name: "whitespace between a header name and the colon", bytes: "GET /a HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello", status: 400),
        Attack(name: "two Host headers", bytes: "GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", status: 400),
        Attack(name: "a Host header listing two hosts", bytes: "GET /a HTTP/1.1\r\nHost: x, y\r\n\r\n", status: 400),
        Attack(name: "two Host headers spelt differently", bytes: "GET /a HTTP/1.1\r\nhost: x\r\nHOST: y\r\n\r\n", status: 400),
        Attack(name: "no Host header in HTTP/1.1", bytes: "GET /a HTTP/1.1\r\n\r\n", status: 400),
        Attack(name: "an absolute-form target naming another host", bytes: "GET http://evil.example/a HTTP/1.1\r\nHost: x\r\n\r\n", status: 400),
        Attack(name: "a target that is not origin-form", bytes: "GET a/b HTTP/1.1\r\nHost: x\r\n\r\n", status: 400),
        Attack(name: "a NUL in the target", bytes: "GET /a\u{0}b HTTP/1.1\r\nHost: x\r\n\r\n", status: 400),
        Attack(name: "a request line that is not HTTP/1.x", bytes: "GET /a HTTP/2.0\r\nHost: x\r\n\r\n", status: 400),
    ]

    @Test("refused with the right status, the connection closed, nothing reaches the origin", arguments: attacks)
    func refused(_ attack: Attack) async throws {
        let edge = try await EdgeHarness.start(yaml: "rules:\n  - name: all\n    match: { path: /* }\n    cache: bypass")
        try await edge.run { edge in
            let answer = try await edge.withRaw { raw in
                try await raw.send(attack.bytes)
                return await raw.readUntilClose(timeout: 10)
            }
            #expect(answer.text.hasPrefix("HTTP/1.1 \(attack.status) "), "got: \(answer.text.prefix(200))")
            #expect(answer.closed, "the connection must be closed")
            #expect(answer.text.matches(of: #/HTTP\/1\.1 \d{3} /#).count == 1, "exactly one response: \(answer.text)")
            // Give a smuggled request time to arrive if it was going to.
            try await Task.sleep(for: .milliseconds(100))
            #expect(edge.origin.requestCount == 0, "the origin saw \(edge.origin.requests.map(\.uri))")
        }
    }

    @Test("one normalisation for rules, the cache key and the origin: a limit or an entry cannot be dodged by spelling")
    func spellingsAreOnePath() async throws {
        let edge = try await EdgeHarness.start(yaml: """
            rules:
              - name: auth
                match: { path: /auth/* }
                cache: bypass
                limit: { per_ip: 5/min }
              - name: assets
                match: { path: /assets/* }
                cache: { edge_ttl: 1h }
            """)
        try await edge.run { edge in
            for spelling in ["/auth/token", "/%61uth/token", "//auth/token", "/x/../auth/token", "/auth/./token"] {
                let response = try await edge.request(.GET, spelling)
                #expect(response.statusCode == 200, "\(spelling)")
            }
            let sixth = try await edge.request(.GET, "/%2e%2e/%61uth//token")
            #expect(sixth.statusCode == 429, "the sixth spelling shares the limit")
            #expect(edge.origin.requests.map(\.uri) == Array(repeating: "/auth/token", count: 5))

            #expect(try await edge.request(.GET, "/assets/a.js").header("x-cache") == "MISS")
            for spelling in ["/%61ssets/a.js", "/assets/x/../a.js", "/assets//a.js", "/./assets/a.js"] {
                #expect(try await edge.request(.GET, spelling).header("x-cache") == "HIT", "\(spelling)")
            }
            #expect(edge.origin.requests(path: "/assets/a.js").count == 1)
        }
    }
}
