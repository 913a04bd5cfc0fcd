import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Testing

@Suite("Origin connections")
struct OriginPoolTests {
    @Test("sequential requests on one client connection reuse one origin connection")
    func reuseOnOneClientConnection() async throws {
        let edge = try await EdgeHarness.start()
        try await edge.run { edge in
            try await edge.withConnection { connection in
                for index in 0..<20 {
                    let response = try await connection.request(.GET, "/r\(index)")
                    #expect(response.statusCode == 200)
                }
            }
            #expect(edge.origin.requestCount == 20)
            #expect(edge.origin.connectionCount == 1)
        }
    }

    @Test("requests from different client connections share the pool")
    func reuseAcrossClients() async throws {
        let edge = try await EdgeHarness.start()
        try await edge.run { edge in
            for index in 0..<10 {
                let response = try await edge.request(.GET, "/c\(index)")
                #expect(response.statusCode == 200)
            }
            #expect(edge.origin.requestCount == 10)
            #expect(edge.origin.connectionCount == 1)
        }
    }

    @Test("the pool is bounded by origin.max_connections; waiters get the next free connection")
    func bounded() async throws {
        let edge = try await EdgeHarness.start(yaml: "origin: { url: \"ORIGIN_URL\", max_connections: 2 }\n") { _ in
            OriginReply(status: .ok, body: .bytes(ByteBuffer(string: "slow")), delay: .milliseconds(100))
        }
        try await edge.run { edge in
            try await withThrowingTaskGroup(of: UInt.self) { group in
                for index in 0..<6 {
                    group.addTask { try await edge.request(.GET, "/b\(index)").statusCode }
                }
                for try await status in group { #expect(status == 200) }
            }
            #expect(edge.origin.requestCount == 6)
            #expect(edge.origin.connectionCount <= 2)
        }
    }

    @Test("an origin that closed an idle keep-alive connection costs the client nothing")
    func staleKeepAliveRetried() async throws {
        let edge = try await EdgeHarness.start { request in
            // The first answer closes the connection after it, as an origin with a short keep-alive would.
            .text("ok", headers: request.path == "/first" ? ["connection": "close"] : [:])
        }
        try await edge.run { edge in
            let first = try await edge.request(.GET, "/first")
            let second = try await edge.request(.GET, "/second")
            #expect(first.statusCode == 200)
            #expect(second.statusCode == 200)
            #expect(edge.origin.connectionCount == 2)
        }
    }
}
