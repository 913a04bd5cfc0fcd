import Foundation

/// The built `gateway` (and `demo-origin`) executables, run as an operator would.
public enum GatewayBinary {
    /// The package root, found from this file's path.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `.build/debug/NAME`; `scripts/test` builds it before the tests run.
    public static func path(_ name: String = "gateway") throws -> String {
        let path = packageRoot.appendingPathComponent(".build/debug/\(name)").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw MissingBinary(path: path)
        }
        return path
    }

    public struct MissingBinary: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(self.path) is not built: run `swift build` first (scripts/test does)" }
    }
}

/// A finished command: exit status and what it printed.
public struct CommandResult: Sendable {
    public let status: Int32
    public let standardOutput: String
    public let standardError: String
}

/// Runs a command to completion (bounded by `timeout` seconds; killed after it). Waits by sleeping the task,
/// never the thread: a blocked thread of the two-core cooperative pool stalls every other test's timers.
public func runCommand(_ executable: String, _ arguments: [String], directory: URL? = nil, timeout: Double = 30) async throws -> CommandResult {
    // Output goes to files, so a chatty command can never block on a full pipe.
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-cmd-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("out")
    let errURL = scratch.appendingPathComponent("err")
    let process = try ChildProcess(
        executable, arguments, directory: directory?.path, standardOutput: outURL.path, standardError: errURL.path
    )
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
    let finished = !process.isRunning
    if !finished { awaitExit(of: process, upTo: 0) }
    let outData = (try? Data(contentsOf: outURL)) ?? Data()
    let errData = (try? Data(contentsOf: errURL)) ?? Data()
    return CommandResult(
        status: finished ? process.terminationStatus : -1,
        standardOutput: String(decoding: outData, as: UTF8.self),
        standardError: String(decoding: errData, as: UTF8.self)
    )
}

/// The built `gateway serve`, as a process of its own on free loopback ports: for measuring the
/// gateway's own memory (RSS), apart from the test's clients.
public final class GatewayServeProcess: Sendable {
    public let port: Int
    public let adminPort: Int
    private let process: ChildProcess
    private let directory: URL

    /// `yaml` is a rules file; `listen`, `admin` and `origin` are set by the flags.
    public init(yaml: String, originURL: String) async throws {
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        let rules = self.directory.appendingPathComponent("rules.yaml")
        try ("origin: { url: \"\(originURL)\" }\n" + yaml).write(to: rules, atomically: true, encoding: .utf8)
        let launched = try await launchGatewayServe(directory: self.directory) { port, adminPort in
            [
                "serve", "--config", rules.path, "--listen", "127.0.0.1:\(port)", "--admin", "127.0.0.1:\(adminPort)",
                "--access-log", "off", "--threads", "1", "--log-level", "error",
            ]
        }
        self.process = launched.process
        self.port = launched.port
        self.adminPort = launched.adminPort
    }

    /// The gateway process's resident set size in bytes.
    public var residentBytes: Int { self.status("VmRSS:") }

    /// The most the process has ever held resident (VmHWM): a transfer's peak, not what is left after it.
    public var peakResidentBytes: Int { self.status("VmHWM:") }

    /// Open file descriptors.
    public var openFileDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(self.process.processIdentifier)/fd").count) ?? 0
    }

    private func status(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(self.process.processIdentifier)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
        }
        return 0
    }

    /// A test that throws before its `stop()` still leaves nothing running.
    deinit { self.stop() }

    public func stop() {
        if self.process.isRunning {
            self.process.signal(SIGKILL)
            awaitExit(of: self.process, upTo: 5)
        }
        try? FileManager.default.removeItem(at: self.directory)
    }
}

public struct GatewayProcessError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { self.message }
}

/// Waits (bounded) for a child to exit, SIGKILL after `seconds`, and reaps it.
public func awaitExit(of process: ChildProcess, upTo seconds: Double) {
    var deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { usleep(5_000) }
    guard process.isRunning else { return }
    process.signal(SIGKILL)
    deadline = Date().addingTimeInterval(2)
    while process.isRunning && Date() < deadline { usleep(5_000) }
}

/// `gateway serve` started as a process on two free loopback ports and waited for until its admin
/// listener answers `/healthz` (up to 20 s: a loaded machine starts a debug build slowly). Free ports are
/// found by binding and letting go, so another test can take one first; the gateway then exits saying so,
/// and it is started again on other ports (three tries). `arguments` gets the ports; a failure carries
/// what the gateway printed.
public func launchGatewayServe(
    directory: URL, currentDirectory: URL? = nil, arguments: (_ port: Int, _ adminPort: Int) throws -> [String]
) async throws -> (process: ChildProcess, port: Int, adminPort: Int) {
    let log = directory.appendingPathComponent("gateway-stderr-\(UUID().uuidString).log")
    defer { try? FileManager.default.removeItem(at: log) }
    for _ in 0..<3 {
        let ports = try await unusedLoopbackPorts(2)
        let process = try ChildProcess(
            try GatewayBinary.path(), try arguments(ports[0], ports[1]), directory: currentDirectory?.path, standardError: log.path
        )
        let started = ContinuousClock.now
        while process.isRunning, ContinuousClock.now - started < .seconds(20) {
            let health = try? await TestConnection.with(port: ports[1]) { try await $0.request(.GET, "/healthz", timeout: 1) }
            if health?.bodyString == "ok\n" { return (process, ports[0], ports[1]) }
            try await Task.sleep(for: .milliseconds(25))
        }
        if process.isRunning { process.signal(SIGKILL) }
        awaitExit(of: process, upTo: 5)
        let printed = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard printed.contains("in use") else {
            throw GatewayProcessError(message: "gateway serve did not come up: \(printed)")
        }
    }
    throw GatewayProcessError(message: "gateway serve found its ports taken three times")
}
