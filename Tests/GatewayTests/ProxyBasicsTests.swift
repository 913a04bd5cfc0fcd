import GatewayTestSupport
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
}
