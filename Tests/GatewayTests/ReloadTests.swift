import Foundation
import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Testing

/// Hot reload as an operator does it: edit rules.yaml, send SIGHUP (or POST /reload).
@Suite("Hot reload")
struct ReloadTests {
    static func rules(port: Int, adminPort: Int, origin: String, cacheAssets: Bool, broken: Bool = false) -> String {
        """
        listen: 127.0.0.1:\(port)
        admin: 127.0.0.1:\(adminPort)
        origin: { url: "\(origin)" }
        rules:
          - name: assets
            match: { path: "/assets/*" }
            cache: \(cacheAssets ? "{ edge_ttl: 1h }" : "bypass")
        \(broken ? "  - name: broken\n    match: { path: \"nope\" }\n" : "")
        """
    }

    @Test("SIGHUP swaps valid rules in for new requests while requests flow; an invalid file changes nothing")
    func sighup() async throws {
        let origin = ScriptedOrigin { _ in .text("asset", headers: ["content-type": "text/plain"]) }
        try await origin.start()
        defer { Task { await origin.stop() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rules.yaml")

        let (process, port, adminPort) = try await launchGatewayServe(directory: directory) { port, adminPort in
            try Self.rules(port: port, adminPort: adminPort, origin: origin.url, cacheAssets: false).write(to: file, atomically: true, encoding: .utf8)
            return ["serve", "--config", file.path, "--access-log", "off", "--threads", "1", "--admin-token", "tok"]
        }
        defer { if process.isRunning { process.signal(SIGKILL) } }

        func xCache() async throws -> String? {
            try await TestConnection.with(port: port) { try await $0.request(.GET, "/assets/a.js") }.header("x-cache")
        }
        #expect(try await xCache() == "BYPASS")

        // Requests keep flowing on one keep-alive connection through every reload.
        let traffic = Task {
            try await TestConnection.with(port: port) { connection in
                var statuses: [UInt] = []
                for _ in 0..<200 { statuses.append(try await connection.request(.GET, "/assets/b.js").statusCode) }
                return statuses
            }
        }

        try Self.rules(port: port, adminPort: adminPort, origin: origin.url, cacheAssets: true).write(to: file, atomically: true, encoding: .utf8)
        process.signal(SIGHUP)
        var reloaded = false
        for _ in 0..<100 where !reloaded {
            try await Task.sleep(for: .milliseconds(20))
            reloaded = try await xCache() != "BYPASS"
        }
        #expect(reloaded)

        try Self.rules(port: port, adminPort: adminPort, origin: origin.url, cacheAssets: false, broken: true)
            .write(to: file, atomically: true, encoding: .utf8)
        process.signal(SIGHUP)
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await xCache() == "HIT", "an invalid file must leave the running rules in place")

        // The admin endpoint says why, with line and column.
        let refused = try await TestConnection.with(port: adminPort) {
            try await $0.request(.POST, "/reload", headers: [("authorization", "Bearer tok")])
        }
        #expect(refused.statusCode == 400)
        #expect(refused.bodyString.contains("rules.yaml:"))

        let statuses = try await traffic.value
        #expect(statuses.count == 200 && statuses.allSatisfy { $0 == 200 })
        process.signal(SIGTERM)
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        #expect(process.terminationStatus == 0)
    }
}
