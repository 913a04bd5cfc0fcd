import ArgumentParser
import Foundation
import Gateway
import Logging
import Rules
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway in front of the origin. Flags override the rules file.",
        discussion: """
            SIGTERM or SIGINT: stop accepting, let requests in flight finish within server.drain_timeout.
            SIGHUP (or POST /reload on the admin listener): re-read the rules file; an invalid file changes nothing.
            """
    )

    @Option(name: .long, help: "The rules file.")
    var config: String = "rules.yaml"

    @Option(name: .long, help: "Listen address, HOST:PORT (overrides `listen`).")
    var listen: String?

    @Option(name: .long, help: "Origin URL, http://HOST:PORT (overrides `origin.url`).")
    var origin: String?

    @Option(name: .long, help: "Redis URL, redis://[:PASSWORD@]HOST[:PORT][/DB] (overrides `redis.url`).")
    var redis: String?

    @Option(name: .long, help: "Admin listen address, HOST:PORT (overrides `admin`).")
    var admin: String?

    @Option(name: .long, help: "Bearer token for the admin API's POST /purge (or GATEWAY_ADMIN_TOKEN). Without one, purges are refused.")
    var adminToken: String?

    @Option(name: .long, help: "Access log: stdout, off, or a file path.")
    var accessLog: String = "stdout"

    @Option(name: .long, help: "Worker threads (event loops); default: one per core.")
    var threads: Int?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        var config: GatewayConfig
        switch ConfigLoader.load(file: self.config) {
        case .success(let loaded): config = loaded
        case .failure(let problems):
            printError(problems.rendered(file: self.config))
            printError("\(self.config): refusing to start with an invalid rules file")
            throw ExitCode(1)
        }
        do {
            config = try ServeOverrides(listen: self.listen, origin: self.origin, redis: self.redis, admin: self.admin)
                .applied(to: config)
        } catch let error as ServeOverrides.Invalid {
            throw ValidationError(error.message)
        }

        guard let level = Logger.Level(rawValue: self.logLevel) else {
            throw ValidationError("--log-level \(self.logLevel): expected one of trace, debug, info, notice, warning, error, critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "gateway")
        let accessLog = try AccessLog(AccessLog.Destination(self.accessLog))
        let token = self.adminToken ?? ProcessInfo.processInfo.environment["GATEWAY_ADMIN_TOKEN"]
        let runtime = GatewayRuntime(config: config, accessLog: accessLog, logger: logger, adminToken: token)
        // Libraries reporting through swift-metrics land in the same /metrics.
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: runtime.metrics.registry))
        let server = GatewayServer(runtime: runtime, threads: self.threads, logger: logger)
        do {
            try await server.start()
        } catch {
            printError("gateway: cannot listen on \(config.listen) or \(config.admin): \(error)")
            throw ExitCode(1)
        }
        let overrides = ServeOverrides(listen: self.listen, origin: self.origin, redis: self.redis, admin: self.admin)
        let file = self.config
        runtime.setReloader {
            switch ConfigLoader.load(file: file) {
            case .failure(let problems): return .failure(ReloadError(message: problems.rendered(file: file)))
            case .success(let config):
                do {
                    return .success(try overrides.applied(to: config))
                } catch let error as ServeOverrides.Invalid {
                    return .failure(ReloadError(message: error.message))
                } catch {
                    return .failure(ReloadError(message: "\(error)"))
                }
            }
        }
        let hangups = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) {
                runtime.reload()
            }
        }
        defer { hangups.cancel() }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [server],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
