import Foundation
import Gateway
import GatewayTestSupport
import OriginKit
import Testing

/// The access log: one JSON line per request with what happened, and hits sampled when configured.
@Suite("Access log")
struct AccessLogTests {
    /// Runs `body` against a gateway that logs to a fresh file, and returns the file's lines as JSON objects.
    func logged(_ yaml: String, _ body: (EdgeHarness) async throws -> Void) async throws -> [[String: Any]] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("access-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let origin = ScriptedOrigin { request in
            if request.path == "/static/big.js" {
                return .text(String(repeating: "console.log('edge');\n", count: 300), headers: [
                    "cache-control": "max-age=600", "content-type": "application/javascript",
                ])
            }
            return request.path.hasPrefix("/static/") ? .text("static\n", headers: ["cache-control": "max-age=600"]) : .text("dynamic\n")
        }
        try await origin.start()
        let edge = try await EdgeHarness.start(yaml: yaml, origin: origin, accessLog: try AccessLog(.file(path)))
        try await edge.run(body)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        }
    }

    static let rules = """
        rules:
          - name: static
            match: { path: /static/* }
          - name: api
            match: { path: /api/* }
            cache: bypass
        """

    @Test("every request is one JSON line with client, method, path, status, rule, cache, bytes and timings")
    func oneLinePerRequest() async throws {
        let lines = try await self.logged(Self.rules) { edge in
            _ = try await edge.request(.GET, "/static/a.css")
            _ = try await edge.request(.GET, "/static/a.css")
            _ = try await edge.request(.POST, "/api/x?y=1", body: "{}")
        }
        try #require(lines.count == 3)
        #expect(lines.map { $0["cache"] as? String } == ["miss", "hit", "bypass"])
        #expect(lines.map { $0["rule"] as? String } == ["static", "static", "api"])
        #expect(lines[2]["method"] as? String == "POST")
        #expect(lines[2]["path"] as? String == "/api/x?y=1")
        for line in lines {
            #expect(line["client"] as? String == "127.0.0.1")
            #expect(line["status"] as? Int == 200)
            #expect((line["bytes"] as? Int ?? 0) > 0)
            #expect(line["duration_ms"] is Double)
            #expect((line["time"] as? String)?.hasSuffix("Z") == true)
            #expect(line["sample"] == nil, "no sampling configured")
        }
        #expect(lines[0]["origin_ms"] is Double, "a miss went to the origin")
        #expect(lines[1]["origin_ms"] == nil, "a hit did not")
    }

    @Test("answers the gateway gives itself are logged too: a 414, a 413 by the rule's max_body, a 429, and 400 for garbage")
    func localAnswers() async throws {
        let yaml = """
            rules:
              - name: upload
                match: { path: /upload/* }
                cache: bypass
                max_body: 1KiB
              - name: login
                match: { path: /login }
                cache: bypass
                limit: { per_ip: 1/min }
            """
        var metricsText = ""
        var limitedBody = -1
        let lines = try await self.logged(yaml) { edge in
            #expect(try await edge.request(.GET, "/" + String(repeating: "a", count: 9_000)).statusCode == 414)
            #expect(try await edge.request(.POST, "/upload/x", body: String(repeating: "b", count: 2_000)).statusCode == 413)
            #expect(try await edge.request(.POST, "/login").statusCode == 200)
            let limited = try await edge.request(.POST, "/login")
            #expect(limited.statusCode == 429)
            #expect(try await edge.request(.HEAD, "/login").statusCode == 429)
            let garbage = try await edge.withRaw { connection in
                try await connection.send("NOT HTTP AT ALL\r\n\r\n")
                return await connection.readUntilClose().text
            }
            #expect(garbage.hasPrefix("HTTP/1.1 400"))
            metricsText = try await TestConnection.with(port: edge.adminPort) { try await $0.request(.GET, "/metrics") }.bodyString
            limitedBody = limited.body.readableBytes
        }
        try #require(lines.count == 6, "\(lines)")
        #expect(lines.map { $0["status"] as? Int } == [414, 413, 200, 429, 429, 400])
        #expect(lines.map { $0["rule"] as? String } == ["-", "upload", "login", "login", "login", "-"])
        #expect(lines[0]["method"] as? String == "GET")
        #expect((lines[0]["path"] as? String)?.hasPrefix("/aaaa") == true, "the target as sent")
        #expect((lines[0]["path"] as? String)?.count == 1_027, "cut to its first 1 KiB and marked: a client does not size the log's lines")
        #expect(lines[1]["path"] as? String == "/upload/x")
        #expect(lines[3]["bytes"] as? Int == limitedBody, "the 429's JSON body")
        #expect((lines[3]["bytes"] as? Int ?? 0) > 0)
        #expect(lines[4]["bytes"] as? Int == 0, "a HEAD is sent the head alone")
        #expect(lines[5]["method"] as? String == "-")
        #expect(lines.allSatisfy { $0["client"] as? String == "127.0.0.1" })
        #expect(metricsText.contains(#"gateway_requests_total{rule="-",status="4xx",cache="-"} 2"#), "\(metricsText)")
    }

    @Test("bytes is the body sent: none for a HEAD hit, the compressed length for a gzip hit")
    func bytesSent() async throws {
        var gzipLength = -1
        let lines = try await self.logged(Self.rules) { edge in
            _ = try await edge.request(.GET, "/static/big.js")
            #expect(try await edge.request(.HEAD, "/static/big.js").statusCode == 200)
            let gzip = try await edge.request(.GET, "/static/big.js", headers: [("accept-encoding", "gzip")])
            #expect(gzip.header("content-encoding") == "gzip")
            gzipLength = gzip.body.readableBytes
        }
        try #require(lines.count == 3)
        #expect(lines.map { $0["cache"] as? String } == ["miss", "hit", "hit"])
        #expect(lines[0]["bytes"] as? Int == 300 * 21)
        #expect(lines[1]["bytes"] as? Int == 0, "a HEAD is sent the head alone")
        #expect(lines[2]["bytes"] as? Int == gzipLength)
        #expect(gzipLength > 0 && gzipLength < 300 * 21)
    }

    @Test("with hit_sample 25%, one hit in four is logged (marked with the share); everything else is always logged")
    func hitsAreSampled() async throws {
        let lines = try await self.logged("access_log: { hit_sample: 25% }\n" + Self.rules) { edge in
            _ = try await edge.request(.GET, "/static/a.css")
            for _ in 0..<12 { _ = try await edge.request(.GET, "/static/a.css") }
            for _ in 0..<3 { _ = try await edge.request(.GET, "/api/x") }
        }
        let hits = lines.filter { $0["cache"] as? String == "hit" }
        #expect(hits.count == 3, "12 hits at 25%")
        #expect(hits.allSatisfy { $0["sample"] as? Double == 0.25 })
        #expect(lines.filter { $0["cache"] as? String == "miss" }.count == 1)
        #expect(lines.filter { $0["cache"] as? String == "bypass" }.count == 3)
    }

    @Test("hit_sample 0% logs no hits, and the metrics still count them")
    func noHits() async throws {
        var hitsCounted = 0
        let lines = try await self.logged("access_log: { hit_sample: 0 }\n" + Self.rules) { edge in
            _ = try await edge.request(.GET, "/static/a.css")
            for _ in 0..<5 { _ = try await edge.request(.GET, "/static/a.css") }
            let metrics = try await TestConnection.with(port: edge.adminPort) { try await $0.request(.GET, "/metrics") }
            hitsCounted = metrics.bodyString.split(separator: "\n")
                .filter { $0.hasPrefix("gateway_requests_total{") && $0.contains("cache=\"hit\"") }
                .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
                .reduce(0, +)
        }
        #expect(lines.count == 1)
        #expect(lines.first?["cache"] as? String == "miss")
        #expect(hitsCounted == 5)
    }
}
