import Foundation
import Gateway
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import OriginKit
import Rules

/// A gateway in front of a scripted origin, both on free loopback ports: one line per test.
///
///     let edge = try await EdgeHarness.start(rules: "rules:\n  - name: api\n    match: { path: /api/* }\n    cache: bypass")
///     defer { await edge.stop() }   // or `try await edge.run { ... }`
public final class EdgeHarness: Sendable {
    public let origin: ScriptedOrigin
    public let server: GatewayServer

    /// `yaml` is a rules file; the harness sets `listen` and `admin` to free ports, and the origin's URL:
    /// write `origin: { url: "ORIGIN_URL", ... }` to set other origin keys, or leave `origin` out.
    public static func start(
        yaml: String = "",
        clock: (any WallClock)? = nil,
        adminToken: String? = nil,
        responder: @escaping ScriptedOrigin.Responder = { _ in .text("hello from origin\n") }
    ) async throws -> EdgeHarness {
        let origin = ScriptedOrigin(responder: responder)
        try await origin.start()
        return try await Self.start(yaml: yaml, origin: origin, clock: clock, adminToken: adminToken)
    }

    /// A gateway in front of an origin that is already running (several gateways can share one).
    public static func start(
        yaml: String, origin: ScriptedOrigin, clock: (any WallClock)? = nil, adminToken: String? = nil, accessLog: AccessLog? = nil
    ) async throws -> EdgeHarness {
        let mentionsOrigin = yaml.split(separator: "\n").contains { $0.hasPrefix("origin:") }
        let text = (mentionsOrigin ? yaml : "origin: { url: \"ORIGIN_URL\" }\n" + yaml)
            .replacingOccurrences(of: "ORIGIN_URL", with: origin.url)
        let config: GatewayConfig
        switch ConfigLoader.load(yaml: text) {
        case .success(let loaded): config = loaded
        case .failure(let problems):
            await origin.stop()
            throw HarnessConfigError(problems: problems.rendered(file: "test.yaml"))
        }
        return try await Self.start(config: config, origin: origin, clock: clock, adminToken: adminToken, accessLog: accessLog)
    }

    /// Starts the gateway on `config` (its listen and admin addresses replaced by free loopback ports)
    /// in front of an already started origin.
    public static func start(
        config: GatewayConfig, origin: ScriptedOrigin, clock: (any WallClock)? = nil, adminToken: String? = nil,
        accessLog: AccessLog? = nil
    ) async throws -> EdgeHarness {
        var config = config
        config.listen = ListenAddress(host: "127.0.0.1", port: 0)
        config.admin = ListenAddress(host: "127.0.0.1", port: 0)
        var logger = Logger(label: "gateway-test")
        logger.logLevel = .warning
        let runtime = GatewayRuntime(
            config: config, accessLog: try accessLog ?? AccessLog(.off), logger: logger, clock: clock ?? SystemWallClock(), adminToken: adminToken
        )
        let server = GatewayServer(runtime: runtime, threads: 1, logger: logger)
        try await server.start()
        return EdgeHarness(origin: origin, server: server)
    }

    private init(origin: ScriptedOrigin, server: GatewayServer) {
        self.origin = origin
        self.server = server
    }

    public var port: Int { self.server.localAddress?.port ?? 0 }
    public var adminPort: Int { self.server.adminAddress?.port ?? 0 }

    /// A keep-alive connection to the gateway for the length of `body`.
    public func withConnection<T: Sendable>(_ body: (TestConnection) async throws -> T) async throws -> T {
        try await TestConnection.with(port: self.port, body)
    }

    /// One request on a new connection, which is then closed.
    public func request(
        _ method: HTTPMethod = .GET, _ uri: String, headers: [(String, String)] = [], body: String? = nil, timeout: Double = 10
    ) async throws -> TestResponse {
        try await TestConnection.with(port: self.port) { connection in
            try await connection.request(method, uri, headers: headers, body: body, timeout: timeout)
        }
    }

    /// `POST /purge` on the admin listener with `json`, as `gateway purge` would send it.
    public func purge(_ json: String, token: String?) async throws -> TestResponse {
        try await TestConnection.with(port: self.adminPort) { connection in
            var headers = [("content-type", "application/json")]
            if let token { headers.append(("authorization", "Bearer \(token)")) }
            return try await connection.request(.POST, "/purge", headers: headers, body: json)
        }
    }

    /// A raw TCP connection to the gateway for the length of `body`.
    public func withRaw<T: Sendable>(from localHost: String? = nil, _ body: (RawConnection) async throws -> T) async throws -> T {
        try await RawConnection.with(port: self.port, from: localHost, body)
    }

    public func stop() async {
        await self.server.stop()
        await self.origin.stop()
    }

    /// Runs `body` and stops everything afterwards, whether it threw or not.
    @discardableResult
    public func run<T: Sendable>(_ body: (EdgeHarness) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await self.stop()
            return result
        } catch {
            await self.stop()
            throw error
        }
    }
}

public struct HarnessConfigError: Error, CustomStringConvertible {
    public let problems: String
    public var description: String { "test rules invalid:\n\(self.problems)" }
}
