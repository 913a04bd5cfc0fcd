import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Rules
import Testing

@_spi(Benchmarks) @testable import Gateway

/// Brotli and gzip at the edge: negotiation, stored variants, streaming. Bodies are decoded with the
/// libraries' decoders and compared with the origin's bytes.
@Suite("Compression")
struct CompressionTests {
    static let script: String = {
        var text = ""
        for index in 0..<1_500 { text += "export function component\(index)(props) { return render('feed-item', props, \(index)); }\n" }
        return text
    }()

    static let rules = """
        compression: { brotli: 5, gzip: 6, min_size: 1KiB, types: [text/*, application/javascript, application/json] }
        rules:
          - name: assets
            match: { path: "/assets/*" }
            cache: { edge_ttl: 1h }
          - name: raw
            match: { path: "/raw/*" }
            cache: { edge_ttl: 1h }
            compress: false
          - name: pass
            match: { path: "/pass/*" }
            cache: bypass

        """

    func decode(_ response: TestResponse) throws -> String {
        guard let name = response.header("content-encoding") else { return response.bodyString }
        let coding = try #require(ContentCoding(rawValue: name))
        let decoder = try #require(try ContentCodecs.decoder(coding))
        return String(buffer: try ContentCodecs.apply(decoder, to: response.body))
    }

    func edge(_ responder: @escaping ScriptedOrigin.Responder = { request in
        .text(CompressionTests.script, headers: ["content-type": "application/javascript", "etag": "\"v1\"", "vary": "Origin"])
    }) async throws -> EdgeHarness {
        try await EdgeHarness.start(yaml: Self.rules, responder: responder)
    }

    @Test("each client gets the coding it prefers, br before gzip, and every body decodes to the origin's bytes")
    func negotiation() async throws {
        let edge = try await self.edge()
        try await edge.run { edge in
            let cases: [(String?, String?)] = [
                ("gzip, deflate, br", "br"), ("br;q=0, gzip", "gzip"), ("gzip;q=0.5, br;q=0.4", "gzip"), ("gzip, br", "br"),
                ("identity", nil), (nil, nil), ("*", "br"), ("br;q=0, gzip;q=0", nil), ("deflate", nil),
            ]
            for (accept, expected) in cases {
                let headers = accept.map { [("accept-encoding", $0)] } ?? []
                let response = try await edge.request(.GET, "/assets/app.js", headers: headers)
                #expect(response.statusCode == 200)
                #expect(response.header("content-encoding") == expected, "Accept-Encoding: \(accept ?? "(none)")")
                // The first answer streams (compressed on the way, chunked); stored answers carry their length.
                if let length = response.header("content-length") { #expect(length == String(response.body.readableBytes)) }
                #expect(try self.decode(response) == Self.script)
                #expect(response.header("vary") == "Origin, Accept-Encoding")
                if expected != nil { #expect(response.header("etag") == "W/\"v1\"") } else { #expect(response.header("etag") == "\"v1\"") }
            }
            // One stored entry served every coding.
            #expect(edge.origin.requestCount == 1)
        }
    }

    @Test("a variant is made once per entry: the second br hit costs no compression and no memory")
    func variantsMadeOnce() async throws {
        let edge = try await self.edge()
        try await edge.run { edge in
            _ = try await edge.request(.GET, "/assets/app.js")
            let before = edge.server.runtime.cacheStats.bytes
            let first = try await edge.request(.GET, "/assets/app.js", headers: [("accept-encoding", "br")])
            let afterFirst = edge.server.runtime.cacheStats.bytes
            let second = try await edge.request(.GET, "/assets/app.js", headers: [("accept-encoding", "br")])
            // The variant's bytes, and its encoded head kept for later hits (a few hundred bytes).
            #expect(afterFirst >= before + first.body.readableBytes && afterFirst < before + first.body.readableBytes + 1024)
            #expect(edge.server.runtime.cacheStats.bytes == afterFirst)
            #expect(first.body == second.body)
            #expect(second.header("x-cache") == "HIT")
        }
    }

    @Test("If-None-Match with the weak ETag of a compressed variant gets 304")
    func notModifiedAgainstVariant() async throws {
        let edge = try await self.edge()
        try await edge.run { edge in
            let br = try await edge.request(.GET, "/assets/app.js", headers: [("accept-encoding", "br")])
            let etag = try #require(br.header("etag"))
            let again = try await edge.request(.GET, "/assets/app.js", headers: [("accept-encoding", "br"), ("if-none-match", etag)])
            #expect(again.statusCode == 304)
            let strong = try await edge.request(.GET, "/assets/app.js", headers: [("if-none-match", "\"v1\"")])
            #expect(strong.statusCode == 304)
        }
    }

    @Test("no-transform, an encoded origin body, small bodies, other types, HEAD and ranges are not compressed")
    func exclusions() async throws {
        let edge = try await self.edge { request in
            switch request.path {
            case "/assets/no-transform.js":
                return .text(Self.script, headers: ["content-type": "application/javascript", "cache-control": "no-transform"])
            case "/assets/small.js":
                return .text("let x = 1", headers: ["content-type": "application/javascript"])
            case "/assets/image.png":
                return .text(Self.script, headers: ["content-type": "image/png"])
            default:
                return .text(Self.script, headers: ["content-type": "application/javascript"])
            }
        }
        try await edge.run { edge in
            let accept = [("accept-encoding", "br, gzip")]
            #expect(try await edge.request(.GET, "/assets/no-transform.js", headers: accept).header("content-encoding") == nil)
            #expect(try await edge.request(.GET, "/assets/small.js", headers: accept).header("content-encoding") == nil)
            #expect(try await edge.request(.GET, "/assets/image.png", headers: accept).header("content-encoding") == nil)
            #expect(try await edge.request(.GET, "/raw/app.js", headers: accept).header("content-encoding") == nil)
            _ = try await edge.request(.GET, "/assets/app.js", headers: accept)
            let head = try await edge.request(.HEAD, "/assets/app.js", headers: accept)
            #expect(head.header("content-encoding") == nil)
            let range = try await edge.request(.GET, "/assets/app.js", headers: accept + [("range", "bytes=0-9")])
            #expect(range.statusCode == 206)
            #expect(range.header("content-encoding") == nil)
            #expect(range.bodyString == String(Self.script.prefix(10)))
        }
    }

    @Test("an origin that sends br is respected; a client that cannot take it gets the decoded bytes")
    func originEncoded() async throws {
        let encoded = try ContentCodecs.apply(BrotliEncoder(quality: 5), to: ByteBuffer(string: Self.script))
        let edge = try await self.edge { _ in
            OriginReply(status: .ok, headers: ["content-type": "application/javascript", "content-encoding": "br"], body: .bytes(encoded))
        }
        try await edge.run { edge in
            let br = try await edge.request(.GET, "/assets/pre.js", headers: [("accept-encoding", "br")])
            #expect(br.header("content-encoding") == "br")
            #expect(br.body == encoded)
            let gzipOnly = try await edge.request(.GET, "/assets/pre.js", headers: [("accept-encoding", "gzip")])
            #expect(try self.decode(gzipOnly) == Self.script)
            let plain = try await edge.request(.GET, "/assets/pre.js")
            #expect(plain.header("content-encoding") == nil)
            #expect(plain.bodyString == Self.script)
            let streamed = try await edge.request(.GET, "/pass/pre.js")
            #expect(streamed.header("content-encoding") == nil)
            #expect(streamed.bodyString == Self.script)
        }
    }

    @Test("responses that are not cached are compressed as they stream")
    func streamed() async throws {
        let edge = try await self.edge()
        try await edge.run { edge in
            for coding in ["br", "gzip"] {
                let response = try await edge.request(.GET, "/pass/app.js", headers: [("accept-encoding", coding)])
                #expect(response.header("content-encoding") == coding)
                #expect(response.header("content-length") == nil)
                #expect(response.header("x-cache") == "BYPASS")
                #expect(try self.decode(response) == Self.script)
            }
        }
    }

    @Test("a 50 MiB streamed response is compressed with bounded memory")
    func fiftyMebibytes() async throws {
        var line = ""
        while line.utf8.count < 64 * 1024 { line += "{\"id\": \(line.utf8.count), \"text\": \"a feed item with some words in it\"},\n" }
        let chunk = ByteBuffer(string: line)
        let count = (50 * 1024 * 1024) / chunk.readableBytes
        let origin = ScriptedOrigin { _ in
            OriginReply(status: .ok, headers: ["content-type": "application/json"], body: .stream(chunk: chunk, count: count))
        }
        try await origin.start()
        let gateway = try await GatewayServeProcess(yaml: Self.rules, originURL: origin.url)
        defer { gateway.stop() }
        let before = gateway.residentBytes
        let response = try await TestConnection.with(port: gateway.port) { connection in
            try await connection.request(.GET, "/pass/feed.json", headers: [("accept-encoding", "gzip")], timeout: 120)
        }
        let grown = gateway.residentBytes - before
        #expect(response.header("content-encoding") == "gzip")
        let decoded = try ContentCodecs.apply(try GzipDecoder(), to: response.body)
        #expect(decoded.readableBytes == chunk.readableBytes * count)
        #expect(response.body.readableBytes < decoded.readableBytes / 10)
        #expect(grown < 48 * 1024 * 1024, "the gateway's RSS grew by \(grown / 1024 / 1024) MiB while 50 MiB was compressed")
        await origin.stop()
    }
}
