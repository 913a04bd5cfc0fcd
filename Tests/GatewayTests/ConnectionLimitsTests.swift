import Gateway
import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Testing

@Suite("Client connection limits")
struct ConnectionLimitsTests {
    @Test("a client that sends its head too slowly is cut off; other clients are served meanwhile")
    func slowloris() async throws {
        let edge = try await EdgeHarness.start(yaml: "server: { header_timeout: 300ms, idle_timeout: 10s }\n")
        try await edge.run { edge in
            try await edge.withRaw { slow in
                try await slow.send("GET / HTTP/1.1\r\nHost: x\r\n")
                // While the slow client dawdles, a normal one is answered.
                #expect(try await edge.request(.GET, "/fine").statusCode == 200)
                try await slow.send("X-Drip: 1\r\n")
                #expect(await slow.isClosedByServer(within: 3))
            }
            #expect(edge.origin.requests.map(\.path) == ["/fine"])
        }
    }

    @Test("a connection idle before or after a request is closed after server.idle_timeout")
    func idle() async throws {
        let edge = try await EdgeHarness.start(yaml: "server: { idle_timeout: 2s }\n")
        try await edge.run { edge in
            try await edge.withRaw { silent in
                #expect(await silent.isClosedByServer(within: 10))
            }
            try await edge.withConnection { connection in
                let first = try await connection.request(.GET, "/a")
                #expect(first.statusCode == 200)
                #expect(await connection.waitForClose(timeout: 10))
            }
        }
    }

    @Test("connections past server.max_connections are closed at once")
    func cap() async throws {
        let edge = try await EdgeHarness.start(yaml: "server: { max_connections: 2 }\n")
        try await edge.run { edge in
            try await edge.withConnection { first in
                try await edge.withConnection { second in
                    #expect(try await first.request(.GET, "/1").statusCode == 200)
                    #expect(try await second.request(.GET, "/2").statusCode == 200)
                    try await edge.withRaw { third in
                        try await third.send("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n")
                        let result = await third.readUntilClose(timeout: 3)
                        #expect(result.closed)
                        #expect(result.text.isEmpty)
                    }
                }
            }
            // Once the two closed, there is room again.
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await edge.request(.GET, "/4").statusCode == 200)
            #expect(edge.origin.requests.map(\.path) == ["/1", "/2", "/4"])
        }
    }

    @Test("connections past server.max_connections_per_ip from one address are closed; other addresses and trusted proxies are not")
    func perIPCap() async throws {
        let edge = try await EdgeHarness.start(yaml: "server: { max_connections_per_ip: 2 }\nclients: { trusted_proxies: [127.0.0.9/32] }\n")
        try await edge.run { edge in
            func served(_ raw: RawConnection, _ path: String) async throws -> Bool {
                try await raw.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                // The whole head, however slow the machine; the connection stays open (it holds its count).
                return await raw.readUntil("\r\n\r\n", timeout: 10).text.hasPrefix("HTTP/1.1 200")
            }
            try await edge.withRaw(from: "127.0.0.2") { first in
                try await edge.withRaw(from: "127.0.0.2") { second in
                    let ok1 = try await served(first, "/1")
                    #expect(ok1)
                    let ok2 = try await served(second, "/2")
                    #expect(ok2)
                    try await edge.withRaw(from: "127.0.0.2") { third in
                        try await third.send("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n")
                        let result = await third.readUntilClose(timeout: 10)
                        #expect(result.closed && result.text.isEmpty, "the third from 127.0.0.2 is closed unanswered")
                    }
                    try await edge.withRaw(from: "127.0.0.3") { other in
                        let ok4 = try await served(other, "/4")
                        #expect(ok4, "another address has its own count")
                    }
                    try await edge.withRaw(from: "127.0.0.9") { proxy1 in
                        try await edge.withRaw(from: "127.0.0.9") { proxy2 in
                            try await edge.withRaw(from: "127.0.0.9") { proxy3 in
                                let ok5 = try await served(proxy1, "/5")
                                #expect(ok5)
                                let ok6 = try await served(proxy2, "/6")
                                #expect(ok6)
                                let ok7 = try await served(proxy3, "/7")
                                #expect(ok7, "a trusted proxy carries many clients: exempt")
                            }
                        }
                    }
                }
            }
            #expect(edge.origin.requests.map(\.path).sorted() == ["/1", "/2", "/4", "/5", "/6", "/7"])
            let metrics = try await TestConnection.with(port: edge.adminPort) { try await $0.request(.GET, "/metrics") }
            #expect(metrics.bodyString.contains("gateway_connections_refused_total{cap=\"per_ip\"} 1"), "\(metrics.bodyString)")
        }
    }

    @Test("stopping drains: a request in flight finishes, new connections are refused")
    func drain() async throws {
        // The origin answers only once the stop has begun: a fixed delay was outrun on a loaded machine,
        // where the stop's task had not started before the answer came.
        let gate = OriginGate()
        let edge = try await EdgeHarness.start { _ in
            OriginReply(status: .ok, body: .bytes(ByteBuffer(string: "finished")), gate: gate)
        }
        let port = edge.port
        async let inFlight = edge.request(.GET, "/slow")
        // Stop only once the request is in flight: a connection whose request has not been read yet is idle,
        // and an idle connection is closed at once by the stop (the next test). A loaded machine can take seconds.
        for _ in 0..<1_000 where edge.origin.requestCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
        try #require(edge.origin.requestCount == 1, "the request reached the origin before the stop")
        async let stopped: Void = edge.server.stop()
        // The stop has begun when the listener refuses connections; the connection in flight is told in the
        // same step, through its event loop's queue (the 200 ms below cover that hop on a loaded machine).
        // Bounded: 10 s.
        var refused = false
        for _ in 0..<200 where !refused {
            refused = (try? await TestConnection.with(port: port) { _ in }) == nil
            if !refused { try await Task.sleep(for: .milliseconds(50)) }
        }
        try await Task.sleep(for: .milliseconds(200))
        gate.open()
        #expect(refused, "the listener stopped accepting")
        let response = try await inFlight
        #expect(response.statusCode == 200)
        #expect(response.bodyString == "finished")
        // The connection is not kept: the answer says so, rather than leaving the client to find out.
        #expect(response.header("connection") == "close")
        await stopped
        await #expect(throws: (any Error).self) {
            try await TestConnection.with(port: port) { connection in
                _ = try await connection.request(.GET, "/after", timeout: 2)
            }
        }
        await edge.origin.stop()
    }

    @Test("stopping closes an idle keep-alive connection at once, without waiting for the drain timeout")
    func drainClosesIdleConnections() async throws {
        let edge = try await EdgeHarness.start(yaml: "server: { drain_timeout: 30s }\n")
        let closed = try await edge.withRaw { raw in
            try await raw.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            let first = await raw.readUntil("hello from origin\n", timeout: 5)
            #expect(first.found)
            async let stopped: Void = edge.server.stop()
            // At once means well before the 30 s drain timeout; the bound leaves room for a loaded machine.
            let closed = await raw.isClosedByServer(within: 15)
            await stopped
            return closed
        }
        #expect(closed)
        await edge.origin.stop()
    }
}
