import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Testing

@Suite("Proxying to the origin")
struct ProxyBasicsTests {
    @Test("a GET reaches the origin once and its answer reaches the client")
    func simpleGet() async throws {
        let edge = try await EdgeHarness.start { request in .text("you asked for \(request.uri)") }
        try await edge.run { edge in
            let response = try await edge.request(.GET, "/hello?x=1")
            #expect(response.statusCode == 200)
            #expect(response.bodyString == "you asked for /hello?x=1")
            #expect(response.header("via")?.contains("edge-gateway") == true)
            #expect(edge.origin.requestCount == 1)
        }
    }

    @Test("every method reaches the origin with its body", arguments: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    func methods(method: String) async throws {
        let edge = try await EdgeHarness.start { request in
            .text("\(request.method.rawValue) \(request.bodyLength) \(request.bodyString)")
        }
        try await edge.run { edge in
            let body: String? = method == "GET" ? nil : "payload-\(method)"
            let response = try await edge.request(HTTPMethod(rawValue: method), "/m", body: body)
            #expect(response.statusCode == 200)
            #expect(response.bodyString == "\(method) \(body?.utf8.count ?? 0) \(body ?? "")")
            let seen = try #require(edge.origin.requests.first)
            #expect(seen.method.rawValue == method)
            #expect(edge.origin.requestCount == 1)
        }
    }

    @Test("HEAD on a bypass rule goes to the origin as HEAD and gets headers only")
    func head() async throws {
        let yaml = "rules:\n  - name: pass\n    match: { path: \"/*\" }\n    cache: bypass\n"
        let edge = try await EdgeHarness.start(yaml: yaml) { _ in .text("twelve bytes") }
        try await edge.run { edge in
            try await edge.withConnection { connection in
                let head = try await connection.request(.HEAD, "/h")
                #expect(head.statusCode == 200)
                #expect(head.header("content-length") == "12")
                #expect(head.bodyLength == 0)
                // The connection is still in step: a GET after the HEAD gets its own body.
                let get = try await connection.request(.GET, "/h")
                #expect(get.bodyString == "twelve bytes")
            }
            #expect(edge.origin.requests.map(\.method) == [.HEAD, .GET])
        }
    }

    @Test("hop-by-hop headers stop at the gateway in both directions")
    func hopByHop() async throws {
        let edge = try await EdgeHarness.start { _ in
            .text("ok", headers: [
                "connection": "x-internal", "x-internal": "secret", "keep-alive": "timeout=5",
                "proxy-authenticate": "Basic", "trailer": "x-checksum", "upgrade": "h2c", "x-kept": "yes",
            ])
        }
        try await edge.run { edge in
            let response = try await edge.request(.GET, "/hop", headers: [
                ("connection", "keep-alive, x-secret"), ("x-secret", "1"), ("keep-alive", "timeout=5"),
                ("te", "trailers"), ("proxy-authorization", "Basic abc"), ("upgrade", "websocket"),
                ("proxy-connection", "keep-alive"), ("x-end-to-end", "kept"),
            ])
            #expect(response.statusCode == 200)
            for name in ["x-internal", "keep-alive", "proxy-authenticate", "trailer", "upgrade"] {
                #expect(response.header(name) == nil, "response header \(name) should have been removed")
            }
            #expect(response.header("x-kept") == "yes")
            let seen = try #require(edge.origin.requests.first)
            for name in ["x-secret", "keep-alive", "te", "proxy-authorization", "upgrade", "proxy-connection"] {
                #expect(seen.headers.first(name: name) == nil, "request header \(name) should have been removed")
            }
            #expect(seen.headers.first(name: "x-end-to-end") == "kept")
        }
    }

    @Test("X-Forwarded-For is appended; X-Forwarded-Proto, X-Forwarded-Host and Via are added")
    func forwardingHeaders() async throws {
        let edge = try await EdgeHarness.start()
        try await edge.run { edge in
            _ = try await edge.request(.GET, "/fwd", headers: [
                ("host", "shop.example.com"), ("x-forwarded-for", "203.0.113.9"), ("via", "1.1 upstream-cdn"),
            ])
            let seen = try #require(edge.origin.requests.first)
            #expect(seen.headers.first(name: "x-forwarded-for") == "203.0.113.9, 127.0.0.1")
            #expect(seen.headers.first(name: "x-forwarded-proto") == "http")
            #expect(seen.headers.first(name: "x-forwarded-host") == "shop.example.com")
            #expect(seen.headers.first(name: "host") == "shop.example.com")
            #expect(seen.headers.first(name: "via") == "1.1 upstream-cdn, 1.1 edge-gateway")
        }
    }

    @Test("the path the origin sees is the normalised one")
    func normalisedPath() async throws {
        let edge = try await EdgeHarness.start()
        try await edge.run { edge in
            _ = try await edge.request(.GET, "/a/./b/../c//d%7Ee?q=%41")
            #expect(edge.origin.requests.first?.uri == "/a/c/d~e?q=%41")
        }
    }

    @Test("pipelined requests are answered in order on one connection")
    func pipelining() async throws {
        let edge = try await EdgeHarness.start { request in .text("answer for \(request.path)") }
        try await edge.run { edge in
            let text = try await edge.withRaw { raw in
                try await raw.send(
                    "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\nGET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                )
                return await raw.readUntilClose(timeout: 10)
            }
            #expect(text.closed)
            let one = try #require(text.text.range(of: "answer for /one"))
            let two = try #require(text.text.range(of: "answer for /two"))
            let three = try #require(text.text.range(of: "answer for /three"))
            #expect(one.lowerBound < two.lowerBound && two.lowerBound < three.lowerBound)
            #expect(edge.origin.requestCount == 3)
        }
    }

    @Test("Expect: 100-continue is answered by the gateway, then the body goes to the origin")
    func expectContinue() async throws {
        let edge = try await EdgeHarness.start { request in .text("got \(request.bodyLength)") }
        try await edge.run { edge in
            let text = try await edge.withRaw { raw in
                try await raw.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
                try await Task.sleep(for: .milliseconds(100))
                try await raw.send("hello")
                return await raw.readUntilClose(timeout: 10)
            }
            #expect(text.text.hasPrefix("HTTP/1.1 100 Continue\r\n"))
            #expect(text.text.contains("HTTP/1.1 200 OK"))
            #expect(text.text.hasSuffix("got 5"))
            #expect(edge.origin.requests.first?.headers.first(name: "expect") == nil)
        }
    }
}
