import Foundation
import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Testing

/// The gateway frames what it writes itself (`ResponseBytes`) and keeps pipelined requests in order
/// (`EdgeHandler`): read here as bytes off a raw connection, the way a client's parser sees them.
@Suite("Response framing and pipelining")
struct ResponseFramingTests {
    static let bypass = "rules:\n  - name: all\n    match: { path: /* }\n    cache: bypass\n"

    /// An origin that streams its answer without a length (chunked on the wire).
    static func chunkedOrigin(_ request: RecordedRequest) -> OriginReply {
        OriginReply(
            headers: ["content-type": "text/plain", "transfer-encoding": "chunked"],
            body: .stream(chunk: ByteBuffer(string: "0123456789"), count: 3)
        )
    }

    /// An origin that answers "slow answer" after 200 ms: long enough for what is pipelined behind to queue.
    static func slowOrigin(_ request: RecordedRequest) -> OriginReply {
        var reply = OriginReply.text("slow answer")
        reply.delay = .milliseconds(200)
        return reply
    }

    @Test("a body without a length goes to an HTTP/1.1 client chunked, and the connection carries on")
    func chunkedToHTTP11() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.bypass, responder: Self.chunkedOrigin)
        try await edge.run { edge in
            let text = try await edge.withRaw { raw in
                try await raw.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return await raw.readUntilClose(timeout: 10)
            }
            let responses = text.text.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst()
            #expect(responses.count == 2)
            for response in responses {
                #expect(response.lowercased().contains("transfer-encoding: chunked\r\n"))
                #expect(!response.lowercased().contains("content-length"))
                // Each part framed on its own or together; whatever the split, the body decodes to 30 bytes.
                let body = String(response[try #require(response.range(of: "\r\n\r\n")).upperBound...])
                #expect(Self.dechunk(body) == String(repeating: "0123456789", count: 3))
            }
            #expect(text.closed)
        }
    }

    @Test("a body without a length goes to an HTTP/1.0 client as it is, ended by closing the connection")
    func untilCloseToHTTP10() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.bypass, responder: Self.chunkedOrigin)
        try await edge.run { edge in
            let text = try await edge.withRaw { raw in
                try await raw.send("GET /a HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
                return await raw.readUntilClose(timeout: 10)
            }
            #expect(text.text.hasPrefix("HTTP/1.0 200 OK\r\n"))
            #expect(!text.text.lowercased().contains("transfer-encoding"))
            #expect(text.text.hasSuffix("\r\n\r\n" + String(repeating: "0123456789", count: 3)))
            #expect(text.closed)
        }
    }

    @Test("the answer to HEAD has the head a GET would get and no body, so the next response parses")
    func headHasNoBody() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.bypass) { request in
            request.method == .HEAD ? OriginReply(headers: ["transfer-encoding": "chunked"]) : .text("the body")
        }
        try await edge.run { edge in
            let text = try await edge.withRaw { raw in
                try await raw.send("HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return await raw.readUntilClose(timeout: 10)
            }
            let parts = text.text.components(separatedBy: "HTTP/1.1 200 OK\r\n")
            #expect(parts.count == 3)
            // The HEAD's head ends with its blank line and the GET's status line follows at once.
            #expect(parts[1].hasSuffix("\r\n\r\n"))
            #expect(parts[2].hasSuffix("\r\n\r\nthe body"))
        }
    }

    @Test("a malformed request pipelined behind a slow one is refused after the slow one's answer")
    func parseErrorWaitsItsTurn() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.bypass, responder: Self.slowOrigin)
        try await edge.run { edge in
            let text = try await edge.withRaw { raw in
                try await raw.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /bad HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
                return await raw.readUntilClose(timeout: 10)
            }
            let ok = try #require(text.text.range(of: "HTTP/1.1 200 OK"))
            let refused = try #require(text.text.range(of: "HTTP/1.1 400 Bad Request"))
            #expect(ok.lowerBound < refused.lowerBound)
            #expect(text.text.contains("slow answer"))
            #expect(text.closed)
            #expect(edge.origin.requestCount == 1)
        }
    }

    @Test("requests pipelined behind a cache miss are answered in order, hits included")
    func hitsWaitBehindAMiss() async throws {
        let yaml = "rules:\n  - name: all\n    match: { path: /* }\n    cache: { edge_ttl: 1min }\n"
        let edge = try await EdgeHarness.start(yaml: yaml) { request in
            var reply = OriginReply.text("answer for \(request.path)", headers: ["cache-control": "max-age=60"])
            if request.path == "/slow" { reply.delay = .milliseconds(150) }
            return reply
        }
        try await edge.run { edge in
            let text = try await edge.withRaw { raw in
                try await raw.send(
                    "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                )
                return await raw.readUntilClose(timeout: 10)
            }
            let slow = try #require(text.text.range(of: "answer for /slow"))
            let fast = try #require(text.text.range(of: "answer for /fast"))
            #expect(slow.lowerBound < fast.lowerBound)
            // The second /fast is a hit, answered at once when its turn comes: after the two misses.
            let hit = try #require(text.text.range(of: "x-cache: HIT"))
            #expect(fast.lowerBound < hit.lowerBound)
            #expect(text.text.components(separatedBy: "x-cache: HIT").count == 2)
            #expect(text.closed)
        }
    }

    @Test("a body parked behind a coalesced wait never reaches the request pipelined after it")
    func parkedBodyStaysWithItsRequest() async throws {
        let yaml = "rules:\n  - name: all\n    match: { path: /* }\n    cache: { edge_ttl: 1min }\n"
        let edge = try await EdgeHarness.start(yaml: yaml) { request in
            var reply = OriginReply.text("answer for \(request.path)", headers: ["cache-control": "max-age=60"])
            if request.path == "/x" { reply.delay = .milliseconds(300) }
            return reply
        }
        try await edge.run { edge in
            // A fetches /x (slow); B's GET /x waits behind it with a body that looks like a request, and B
            // pipelines a POST behind that.
            async let first = edge.withRaw { raw in
                try await raw.send("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return await raw.readUntilClose(timeout: 10)
            }
            for _ in 0..<100 where edge.origin.requestCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let smuggled = "GET /internal HTTP/1.1\r\nHost: i\r\n\r\n"
            let text = try await edge.withRaw { raw in
                try await raw.send(
                    "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n" + smuggled
                        + "POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                return await raw.readUntilClose(timeout: 10)
            }
            #expect(try await first.text.contains("answer for /x"))
            #expect(!edge.origin.requests.contains { $0.path == "/internal" })
            #expect(edge.origin.requests.map(\.path).sorted() == ["/api", "/x"])
            let x = try #require(text.text.range(of: "answer for /x"))
            let api = try #require(text.text.range(of: "answer for /api"))
            #expect(x.lowerBound < api.lowerBound)
            #expect(text.closed)
        }
    }

    @Test("bytes after a queued malformed request do not cut short the answer still on its way")
    func bytesAfterAQueuedErrorWait() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.bypass, responder: Self.slowOrigin)
        try await edge.run { edge in
            let text = try await edge.withRaw { raw in
                try await raw.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n\u{01}\r\n")
                try await Task.sleep(for: .milliseconds(50))
                try await raw.send("more bytes\r\n")
                return await raw.readUntilClose(timeout: 10)
            }
            #expect(text.text.hasPrefix("HTTP/1.1 200 OK"))
            #expect(text.text.contains("slow answer"))
            #expect(text.text.contains("HTTP/1.1 400 Bad Request"))
            #expect(text.closed)
        }
    }

    @Test("the 400 for garbage after a HEAD carries its body, framed as a GET's")
    func errorAfterHeadHasBody() async throws {
        let edge = try await EdgeHarness.start(yaml: Self.bypass) { _ in .text("the body") }
        try await edge.run { edge in
            let text = try await edge.withRaw { raw in
                try await raw.send("HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n")
                let head = await raw.readUntil("\r\n\r\n", timeout: 5)
                #expect(head.found)
                try await raw.send("\u{01}\r\n\r\n")
                return await raw.readUntilClose(timeout: 10)
            }
            let refusal = try #require(text.text.range(of: "HTTP/1.1 400 Bad Request"))
            let after = String(text.text[refusal.lowerBound...])
            let length = try #require(after.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("content-length:") })
            let declared = try #require(Int(length.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)))
            let body = try #require(after.range(of: "\r\n\r\n")).upperBound
            #expect(after[body...].utf8.count == declared)
            #expect(declared > 0)
        }
    }

    /// The data of a chunked body (sizes in hex, each chunk followed by CRLF, ended by a zero chunk).
    static func dechunk(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        var at = 0
        var data: [UInt8] = []
        func line() -> String? {
            guard let end = bytes[at...].firstIndex(of: UInt8(ascii: "\r")), end + 1 < bytes.count, bytes[end + 1] == UInt8(ascii: "\n") else {
                return nil
            }
            defer { at = end + 2 }
            return String(decoding: bytes[at..<end], as: UTF8.self)
        }
        while let sizeLine = line(), let size = Int(sizeLine, radix: 16) {
            if size == 0 { return line() == "" && at == bytes.count ? String(decoding: data, as: UTF8.self) : nil }
            guard at + size + 2 <= bytes.count else { return nil }
            data += bytes[at..<(at + size)]
            at += size
            guard line() == "" else { return nil }
        }
        return nil
    }
}
