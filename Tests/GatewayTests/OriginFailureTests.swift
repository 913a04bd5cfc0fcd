import Gateway
import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Rules
import Testing

@Suite("When the origin fails")
struct OriginFailureTests {
    @Test("an origin that refuses connections gets the client a 502 with a reason")
    func refused() async throws {
        let refusing = try RefusingLoopbackPort()
        let edge = try await EdgeHarness.start(yaml: "origin: { url: \"http://127.0.0.1:\(refusing.port)\" }\n")
        try await edge.run { edge in
            let response = try await edge.request(.GET, "/anything")
            #expect(response.statusCode == 502)
            #expect(response.bodyString.contains("origin"))
            #expect(response.header("cache-control") == "no-store")
        }
        withExtendedLifetime(refusing) {}  // the port refuses until here
    }

    @Test("an origin slower than origin.response_timeout gets the client a 504")
    func slow() async throws {
        let edge = try await EdgeHarness.start(yaml: "origin: { url: \"ORIGIN_URL\", response_timeout: 300ms }\n") { _ in
            OriginReply(status: .ok, body: .bytes(ByteBuffer(string: "late")), delay: .seconds(10))
        }
        try await edge.run { edge in
            let started = ContinuousClock.now
            let response = try await edge.request(.GET, "/slow", timeout: 9)
            #expect(response.statusCode == 504)
            // Well before the origin's 10 s (the bound is loose: tests share two cores).
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(edge.origin.requestCount == 1)
        }
    }

    @Test("an origin that resets mid-body leaves the client with a closed, truncated response")
    func resetMidBody() async throws {
        let body = String(repeating: "x", count: 10_000)
        let edge = try await EdgeHarness.start { _ in
            OriginReply(status: .ok, body: .bytes(ByteBuffer(string: body)), resetAfterBytes: 1000)
        }
        try await edge.run { edge in
            await #expect(throws: TruncatedResponse.self) {
                _ = try await edge.request(.GET, "/reset")
            }
        }
    }

    @Test("a client that disconnects cancels its origin request")
    func clientDisconnectCancels() async throws {
        let edge = try await EdgeHarness.start { _ in OriginReply(hang: true) }
        try await edge.run { edge in
            try await edge.withRaw { raw in
                try await raw.send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
                // Wait until the origin has the request, then go away.
                for _ in 0..<100 where edge.origin.requestCount == 0 { try await Task.sleep(for: .milliseconds(20)) }
                await raw.close()
            }
            #expect(edge.origin.requestCount == 1)
            // Bounded generously: on a loaded machine the close can take a moment to travel; it must come.
            let clock = ContinuousClock()
            let closedAt = clock.now
            var open = edge.origin.openConnectionCount
            for _ in 0..<500 where open > 0 {
                try await Task.sleep(for: .milliseconds(20))
                open = edge.origin.openConnectionCount
            }
            #expect(open == 0, "the gateway should have closed its origin connection (waited \(clock.now - closedAt))")
        }
    }
}

@Suite("Request bounds")
struct RequestBoundsTests {
    static let yaml = """
        server: { max_uri: 100, max_header: 2KiB, max_body: 1KiB }
        rules:
          - name: uploads
            match: { path: "/upload/*" }
            cache: bypass
            max_body: 64KiB

        """

    @Test("a request target over server.max_uri is answered 414 and never reaches the origin")
    func uriTooLong() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.yaml)
        try await edge.run { edge in
            let response = try await edge.request(.GET, "/" + String(repeating: "a", count: 200))
            #expect(response.statusCode == 414)
            #expect(edge.origin.requestCount == 0)
        }
    }

    @Test("a head over server.max_header is answered 431")
    func headersTooLarge() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.yaml)
        try await edge.run { edge in
            let response = try await edge.request(.GET, "/h", headers: [("x-big", String(repeating: "b", count: 4000))])
            #expect(response.statusCode == 431)
            #expect(edge.origin.requestCount == 0)
        }
    }

    @Test("a declared body over the rule's max_body is answered 413 before anything is forwarded")
    func declaredBodyTooLarge() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.yaml)
        try await edge.run { edge in
            let small = try await edge.request(.POST, "/upload/a", body: String(repeating: "u", count: 10_000))
            #expect(small.statusCode == 200)
            let text = try await edge.withRaw { raw in
                try await raw.send("POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
                return await raw.readUntilClose(timeout: 10)
            }
            #expect(text.text.hasPrefix("HTTP/1.1 413"))
            #expect(text.closed)
            #expect(edge.origin.requestCount == 1)
        }
    }

    @Test("a chunked body that grows past max_body is cut off with 413")
    func chunkedBodyTooLarge() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.yaml) { request in .text("got \(request.bodyLength)") }
        try await edge.run { edge in
            let text = try await edge.withRaw { raw in
                try await raw.send("POST /other HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                let chunk = String(repeating: "c", count: 512)
                // The gateway may cut the upload off before all of it is written: keep going, then read.
                for _ in 0..<4 { try? await raw.send("200\r\n\(chunk)\r\n") }
                try? await raw.send("0\r\n\r\n")
                return await raw.readUntilClose(timeout: 10)
            }
            #expect(text.text.hasPrefix("HTTP/1.1 413"))
            #expect(text.closed)
        }
    }

    @Test("malformed HTTP gets 400 and the connection closes; nothing reaches the origin")
    func malformed() async throws {
        let edge = try await EdgeHarness.start()
        try await edge.run { edge in
            for garbage in ["GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", "GET /x HTTP/1.1\r\n\r\n"] {
                let text = try await edge.withRaw { raw in
                    try await raw.send(garbage)
                    return await raw.readUntilClose(timeout: 10)
                }
                #expect(text.text.hasPrefix("HTTP/1.1 400"), "for \(garbage.debugDescription): \(text.text)")
                #expect(text.closed)
            }
            #expect(edge.origin.requestCount == 0)
        }
    }

    @Test("an absolute-form target naming another host is refused")
    func absoluteFormOtherHost() async throws {
        let edge = try await EdgeHarness.start()
        try await edge.run { edge in
            let other = try await edge.request(.GET, "http://evil.example/x", headers: [("host", "shop.example")])
            #expect(other.statusCode == 400)
            let same = try await edge.request(.GET, "http://shop.example/x", headers: [("host", "shop.example")])
            #expect(same.statusCode == 200)
            #expect(edge.origin.requests.map(\.uri) == ["/x"])
        }
    }
}
