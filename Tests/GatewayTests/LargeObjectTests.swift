import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Rules
import Testing

@_spi(Benchmarks) @testable import Gateway

/// Stored bodies of 64 KiB and more live in memory files and go out with sendfile (`SpooledBody`):
/// every answer made from one — hits, HEAD, ranges, other codings, keep-alive after it — carries the
/// origin's bytes exactly.
@Suite("Large objects sent from memory files")
struct LargeObjectTests {
    /// 300 KiB of JavaScript-looking text, different on every line (so a wrong offset shows).
    static let script: String = {
        var text = ""
        var index = 0
        while text.utf8.count < 300 * 1024 {
            text += "export const value\(index) = \(index * 7919 % 100_003);\n"
            index += 1
        }
        return text
    }()

    static let rules = """
        compression: { brotli: 5, gzip: 6, min_size: 1KiB, types: [application/javascript] }
        rules:
          - name: assets
            match: { path: /assets/* }
            cache: { edge_ttl: 1h }
        """

    func edge() async throws -> EdgeHarness {
        try await EdgeHarness.start(yaml: Self.rules) { _ in
            .text(Self.script, headers: ["content-type": "application/javascript", "etag": "\"big\""])
        }
    }

    @Test("hits on a large object carry its exact bytes, on fresh and reused connections, many at once")
    func hitsAreExact() async throws {
        let edge = try await self.edge()
        try await edge.run { edge in
            let miss = try await edge.request(.GET, "/assets/big.js")
            #expect(miss.header("x-cache") == "MISS")
            #expect(miss.bodyString == Self.script)
            // Three hits on one keep-alive connection: each ends where the next begins.
            try await edge.withConnection { connection in
                for _ in 0..<3 {
                    let hit = try await connection.request(.GET, "/assets/big.js")
                    #expect(hit.header("x-cache") == "HIT")
                    #expect(hit.header("content-length") == String(Self.script.utf8.count))
                    #expect(hit.bodyString == Self.script)
                }
            }
            // Concurrent hits share the one file.
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await edge.request(.GET, "/assets/big.js").bodyString == Self.script }
                }
                for try await exact in group { #expect(exact) }
            }
            #expect(edge.origin.requestCount == 1)
        }
    }

    @Test("HEAD, a range and a compressed coding of a large object are answered from its file's bytes")
    func otherAnswers() async throws {
        let edge = try await self.edge()
        try await edge.run { edge in
            _ = try await edge.request(.GET, "/assets/big.js")
            let head = try await edge.request(.HEAD, "/assets/big.js")
            #expect(head.statusCode == 200)
            #expect(head.header("content-length") == String(Self.script.utf8.count))
            #expect(head.body.readableBytes == 0)

            let range = try await edge.request(.GET, "/assets/big.js", headers: [("range", "bytes=100000-100099")])
            #expect(range.statusCode == 206)
            let utf8 = Array(Self.script.utf8)
            #expect(Array(range.body.readableBytesView) == Array(utf8[100_000..<100_100]))

            let br = try await edge.request(.GET, "/assets/big.js", headers: [("accept-encoding", "br")])
            #expect(br.header("content-encoding") == "br")
            let coding = try #require(ContentCoding(rawValue: "br"))
            let decoder = try #require(try ContentCodecs.decoder(coding))
            #expect(String(buffer: try ContentCodecs.apply(decoder, to: br.body)) == Self.script)
            #expect(edge.origin.requestCount == 1)
        }
    }
}

/// The memory files' own bookkeeping.
@Suite("Spooled bodies")
struct SpooledBodyTests {
    @Test("a body is spooled from 64 KiB up, read back exactly, and its file is released with its last holder")
    func spoolAndRelease() throws {
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        weak var released: SpooledBody?
        do {
            let file = try #require(SpooledBody.spool(ByteBuffer(bytes: bytes)))
            released = file
            #expect(file.length == 100_000)
            #expect(Array(try #require(file.read()).readableBytesView) == bytes)
            // A write in flight holds it.
            let (region, release) = file.region()
            #expect(region.readableBytes == 100_000)
            release()
        }
        #expect(released == nil)
        #expect(SpooledBody.spool(ByteBuffer(bytes: bytes[..<(SpooledBody.threshold - 1)])) == nil)
    }

    @Test("a spooled entry goes to the shared tier's record and back with its exact bytes")
    func spooledEntryRoundTripsThroughTheRecord() throws {
        let bytes = ByteBuffer(bytes: (0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let entry = CachedResponse(
            key: CacheKey(primary: "v1|x|/big"), status: .ok, headers: ["content-type": "application/octet-stream"], body: bytes,
            freshness: .init(lifetime: 60, source: .rule), basis: .init(requestTime: 0, responseTime: 0, dateValue: nil, ageValue: nil),
            variant: .none
        )
        guard case .spooled = entry.stored else {
            Issue.record("a 150,000-byte body is spooled")
            return
        }
        let record = try #require(entry.encoded())
        let decoded = try #require(CachedResponse.decode(Array(record.readableBytesView), key: entry.key))
        #expect(decoded.bodyLength == 150_000)
        #expect(decoded.bodyInMemory == bytes)
    }

    @Test("past its budget of files a body stays a buffer, and nothing is left open")
    func budgetFallsBackToBuffers() {
        let body = ByteBuffer(repeating: 1, count: 200_000)
        #expect(SpooledBody.spool(body, limit: 0) == nil)
        #expect(SpooledBody.spool(body, limit: SpooledBody.openCount) == nil)
        #expect(SpooledBody.spool(body, limit: SpooledBody.openCount + 1_000) != nil)
    }
}
