import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Testing

@Suite("Streaming bodies")
struct StreamingTests {
    @Test("a chunked upload streams through to the origin")
    func chunkedUpload() async throws {
        let edge = try await EdgeHarness.start { request in .text("got \(request.bodyLength)") }
        try await edge.run { edge in
            let response = try await edge.withConnection { connection in
                try await connection.sendHead(.POST, "/upload", headers: [("transfer-encoding", "chunked")])
                let chunk = ByteBuffer(repeating: 0x61, count: 64 * 1024)
                for _ in 0..<128 { try await connection.sendBody(chunk) }
                try await connection.sendEnd()
                return try await connection.response()
            }
            #expect(response.statusCode == 200)
            #expect(response.bodyString == "got \(128 * 64 * 1024)")
            #expect(edge.origin.requests.first?.headers.first(name: "transfer-encoding") == "chunked")
        }
    }

    @Test("a 1 GiB download streams through with the gateway's memory bounded, not buffered whole")
    func largeDownload() async throws {
        let chunk = ByteBuffer(repeating: 0x62, count: 256 * 1024)
        let count = 4096  // 1 GiB
        let origin = ScriptedOrigin { _ in OriginReply(status: .ok, body: .stream(chunk: chunk, count: count)) }
        try await origin.start()
        let gateway = try await GatewayServeProcess(yaml: "", originURL: origin.url)
        defer { gateway.stop() }
        let before = gateway.residentBytes
        let response = try await TestConnection.with(port: gateway.port) { connection in
            try await connection.request(.GET, "/big", keepBody: false, timeout: 120)
        }
        let grown = gateway.peakResidentBytes - before
        #expect(response.statusCode == 200)
        #expect(response.bodyLength == chunk.readableBytes * count)
        #expect(grown < 64 * 1024 * 1024, "the gateway's peak RSS grew by \(grown / 1024 / 1024) MiB while 1 GiB passed through")
        await origin.stop()
    }

    @Test("a 1 GiB upload streams through with the gateway's memory bounded")
    func largeUpload() async throws {
        let origin = ScriptedOrigin { request in .text("got \(request.bodyLength)") }
        try await origin.start()
        let gateway = try await GatewayServeProcess(yaml: "", originURL: origin.url)
        defer { gateway.stop() }
        let before = gateway.residentBytes
        let chunk = ByteBuffer(repeating: 0x63, count: 256 * 1024)
        let count = 4096  // 1 GiB
        // Bounded: a stalled upload fails the test instead of hanging it.
        let response = try await withTimeout(180, "the 1 GiB upload") {
            try await TestConnection.with(port: gateway.port) { connection in
                try await connection.sendHead(.PUT, "/big", headers: [("content-length", String(chunk.readableBytes * count))])
                for _ in 0..<count { try await connection.sendBody(chunk) }
                try await connection.sendEnd()
                return try await connection.response(timeout: 120)
            }
        }
        let grown = gateway.peakResidentBytes - before
        #expect(response.statusCode == 200)
        #expect(response.bodyString == "got \(chunk.readableBytes * count)")
        #expect(grown < 64 * 1024 * 1024, "the gateway's peak RSS grew by \(grown / 1024 / 1024) MiB while 1 GiB passed through")
        #expect(gateway.peakResidentBytes < 256 * 1024 * 1024, "peak RSS \(gateway.peakResidentBytes / 1024 / 1024) MiB")
        await origin.stop()
    }

    @Test("a 1 GiB download read slowly: the origin is held back, the gateway's peak RSS stays bounded")
    func slowReader() async throws {
        let chunk = ByteBuffer(repeating: 0x64, count: 256 * 1024)
        let count = 4096  // 1 GiB
        let origin = ScriptedOrigin { _ in OriginReply(status: .ok, body: .stream(chunk: chunk, count: count)) }
        try await origin.start()
        let gateway = try await GatewayServeProcess(yaml: "", originURL: origin.url)
        defer { gateway.stop() }
        let before = gateway.peakResidentBytes
        // A client that takes 1 MiB, then pauses: about 150 MiB/s at most, a tenth of what loopback carries.
        let received = try await withTimeout(120, "the slow 1 GiB download") {
            try await SlowReader.download(port: gateway.port, path: "/big", bytesPerPause: 1 << 20, pause: .milliseconds(6))
        }
        #expect(received.status == 200)
        #expect(received.bodyBytes == chunk.readableBytes * count)
        let grown = gateway.peakResidentBytes - before
        #expect(grown < 64 * 1024 * 1024, "peak RSS grew by \(grown / 1024 / 1024) MiB")
        await origin.stop()
    }
}
