import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Testing

@Suite("Metrics")
struct MetricsTests {
    func scrape(_ edge: EdgeHarness) async throws -> String {
        let response = try await TestConnection.with(port: edge.adminPort) { try await $0.request(.GET, "/metrics") }
        #expect(response.statusCode == 200)
        return response.bodyString
    }

    func value(_ text: String, _ prefix: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    @Test("metrics change as requests flow: requests by rule and cache outcome, limiter decisions, the memory tier")
    func flow() async throws {
        let yaml = """
            rules:
              - name: assets
                match: { path: "/assets/*" }
                cache: { edge_ttl: 1h }
                limit: { per_ip: 2/min }

            """
        let edge = try await EdgeHarness.start(yaml: yaml) { _ in .text("x") }
        try await edge.run { edge in
            let before = try await self.scrape(edge)
            #expect(self.value(before, "gateway_cache_objects") == 0)
            _ = try await edge.request(.GET, "/assets/a")
            _ = try await edge.request(.GET, "/assets/a")
            _ = try await edge.request(.GET, "/assets/a")
            let after = try await self.scrape(edge)
            #expect(self.value(after, #"gateway_requests_total{rule="assets",status="2xx",cache="miss"}"#) == 1)
            #expect(self.value(after, #"gateway_requests_total{rule="assets",status="2xx",cache="hit"}"#) == 1)
            #expect(self.value(after, #"gateway_requests_total{rule="assets",status="4xx",cache="-"}"#) == 1)
            #expect(self.value(after, #"gateway_ratelimit_decisions_total{rule="assets",decision="refused"}"#) == 1)
            #expect(self.value(after, "gateway_cache_objects") == 1)
            #expect(self.value(after, "gateway_redis_up") == -1)
            #expect(after.contains("gateway_origin_duration_seconds_bucket"))
        }
    }
}
