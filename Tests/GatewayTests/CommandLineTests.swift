import Foundation
import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Testing

/// The command line is a contract operators script against: these run the built binary.
@Suite("The gateway command")
struct CommandLineTests {
    let root = GatewayBinary.packageRoot

    @Test("check accepts the shipped rules.yaml and summarises it")
    func checkShipped() async throws {
        let result = try await runCommand(try GatewayBinary.path(), ["check", "rules.yaml"], directory: self.root)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        for name in ["immutable-assets", "feed-api", "data-api", "auth"] {
            #expect(result.standardOutput.contains(name), "summary should name rule \(name)")
        }
    }

    @Test("check refuses a bad file with FILE:LINE:COL for every problem, and exit status 1")
    func checkBad() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).yaml")
        try """
            origin: { url: "http://127.0.0.1:54321" }
            rules:
              - name: feed
                match: { path: "/feed*" }
                cache: { edge_tll: 30s }
                limit: { per_ip: 100/minute }

            """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await runCommand(try GatewayBinary.path(), ["check", file.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(file.path):5:14:"), "typo'd key: \(result.standardError)")
        #expect(result.standardError.contains("edge_ttl"), "suggests the right key")
        #expect(result.standardError.contains("\(file.path):6:22:"), "bad rate: \(result.standardError)")
        #expect(result.standardError.contains("100/min"))
    }

    @Test("explain names the rule and what happens, without contacting anything")
    func explain() async throws {
        let auth = try await runCommand(try GatewayBinary.path(), ["explain", "POST", "/auth/v1/token"], directory: self.root)
        #expect(auth.status == 0, "stderr: \(auth.standardError)")
        #expect(auth.standardOutput.contains("auth"))
        #expect(auth.standardOutput.contains("20/min"))
        let asset = try await runCommand(
            try GatewayBinary.path(), ["explain", "--header", "Accept-Encoding: br, gzip", "GET", "http://example.com/_app/immutable/x.js"],
            directory: self.root
        )
        #expect(asset.status == 0)
        #expect(asset.standardOutput.contains("immutable-assets"))
        #expect(asset.standardOutput.contains("365d"))
    }

    @Test("serve refuses a bad --origin with a sentence, not a crash")
    func serveBadFlag() async throws {
        let result = try await runCommand(try GatewayBinary.path(), ["serve", "--origin", "ftp://x"], directory: self.root)
        #expect(result.status != 0)
        #expect(result.standardError.contains("--origin"))
    }

    @Test("serve runs the shipped rules.yaml in front of any origin, and SIGTERM stops it cleanly")
    func serveAndTerminate() async throws {
        let origin = ScriptedOrigin { request in .text("origin saw \(request.path)") }
        try await origin.start()
        let (process, port, adminPort) = try await launchGatewayServe(directory: FileManager.default.temporaryDirectory, currentDirectory: self.root) { port, adminPort in
            [
                "serve", "--config", "rules.yaml", "--listen", "127.0.0.1:\(port)", "--admin", "127.0.0.1:\(adminPort)",
                "--origin", origin.url, "--access-log", "off", "--threads", "1", "--admin-token", "t0ken",
            ]
        }
        defer { if process.isRunning { process.terminate() } }

        var response: TestResponse?
        for _ in 0..<100 {
            response = try? await TestConnection.with(port: port) { try await $0.request(.GET, "/rest/v1/posts") }
            if response != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(response?.statusCode == 200)
        #expect(response?.bodyString == "origin saw /rest/v1/posts")
        let health = try await TestConnection.with(port: adminPort) { try await $0.request(.GET, "/healthz") }
        #expect(health.statusCode == 200)
        let ready = try await TestConnection.with(port: adminPort) { try await $0.request(.GET, "/readyz") }
        #expect(ready.statusCode == 200)

        // gateway purge, as an operator scripts it.
        let asset = "/assets/logo.svg"
        _ = try await TestConnection.with(port: port) { try await $0.request(.GET, asset) }
        let hit = try await TestConnection.with(port: port) { try await $0.request(.GET, asset) }
        #expect(hit.header("x-cache") == "HIT")
        let wrong = try await runCommand(try GatewayBinary.path(), ["purge", "--admin", "127.0.0.1:\(adminPort)", "--token", "nope", "--everything"])
        #expect(wrong.status == 1)
        #expect(wrong.standardError.contains("401"))
        let purged = try await runCommand(
            try GatewayBinary.path(), ["purge", "--admin", "127.0.0.1:\(adminPort)", "--token", "t0ken", "--prefix", "/assets/"]
        )
        #expect(purged.status == 0, "stderr: \(purged.standardError)")
        let after = try await TestConnection.with(port: port) { try await $0.request(.GET, asset) }
        #expect(after.header("x-cache") == "MISS")

        process.interrupt()  // SIGINT
        process.signal(SIGTERM)
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        await origin.stop()
    }
}
