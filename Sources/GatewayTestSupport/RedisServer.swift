import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A real `redis-server` on a free loopback port, for tests: no persistence, its own scratch directory, and
/// the signals a test needs to stage an outage (stop, kill, pause with SIGSTOP, restart on the same port).
///
/// ```swift
/// let redis = try await RedisServer()
/// defer { redis.stop() }
/// ```
public final class RedisServer: @unchecked Sendable {  // mutable state only under `lock`
    public let port: Int
    public let password: String?
    private let executable: String
    private let directory: URL
    private let lock = NSLock()
    private var process: ChildProcess?
    private var isPaused = false

    /// Starts redis-server and waits (up to 10 s) until it answers.
    public init(password: String? = nil) async throws {
        self.executable = try Self.findExecutable()
        self.password = password
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        var lastError: Error?
        // The free port is found by binding and releasing it, so another process may take it first: try again.
        for _ in 0..<3 {
            let port = try Self.freeLoopbackPort()
            do {
                self.process = try await Self.launch(self.executable, port: port, password: password, directory: self.directory)
                self.port = port
                return
            } catch {
                lastError = error
            }
        }
        try? FileManager.default.removeItem(at: self.directory)
        throw lastError ?? RedisServerError.didNotStart(port: 0, log: "")
    }

    deinit {
        // A test that failed before its `stop()` must not leave a server behind.
        if let process = self.process, process.isRunning {
            process.signal(SIGKILL)
            awaitExit(of: process, upTo: 2)
        }
        try? FileManager.default.removeItem(at: self.directory)
    }

    /// `redis://[:password@]127.0.0.1:PORT[/database]`
    public var url: String { self.url(database: 0) }

    public func url(database: Int) -> String {
        let auth = self.password.map { ":\($0)@" } ?? ""
        return "redis://\(auth)127.0.0.1:\(self.port)" + (database == 0 ? "" : "/\(database)")
    }

    public var isRunning: Bool { self.lock.withLock { self.process?.isRunning ?? false } }

    /// SIGTERM, then wait for it to exit (SIGKILL after 5 s).
    public func stop() {
        self.lock.withLock {
            guard let process = self.process, process.isRunning else { return }
            process.signal(SIGTERM)
            if self.isPaused { process.signal(SIGCONT) }  // a stopped process cannot exit
            self.isPaused = false
            awaitExit(of: process, upTo: 5)
        }
    }

    /// SIGKILL: the server dies without closing anything cleanly.
    public func kill() {
        self.lock.withLock {
            guard let process = self.process, process.isRunning else { return }
            process.signal(SIGKILL)
            self.isPaused = false
            awaitExit(of: process, upTo: 5)
        }
    }

    /// SIGSTOP: the socket stays open and accepts connections, but nothing is answered.
    public func pause() {
        self.lock.withLock {
            guard let process = self.process, process.isRunning else { return }
            process.signal(SIGSTOP)
            self.isPaused = true
        }
    }

    /// SIGCONT after `pause()`.
    public func resume() {
        self.lock.withLock {
            guard let process = self.process, process.isRunning else { return }
            process.signal(SIGCONT)
            self.isPaused = false
        }
    }

    /// Stops the server if it runs and starts a fresh one (empty) on the same port.
    public func restart() async throws {
        self.stop()
        let deadline = Date().addingTimeInterval(5)
        while true {
            do {
                let process = try await Self.launch(self.executable, port: self.port, password: self.password, directory: self.directory)
                self.lock.withLock { self.process = process }
                return
            } catch RedisServerError.didNotStart(_, let log) where Date() < deadline && log.contains("Address already in use") {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    private static func launch(_ executable: String, port: Int, password: String?, directory: URL) async throws -> ChildProcess {
        let logFile = directory.appendingPathComponent("redis-\(port).log")
        try? FileManager.default.removeItem(at: logFile)
        var arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--dir", directory.path, "--logfile", logFile.path,
        ]
        if let password { arguments += ["--requirepass", password] }
        // cspawn starts it with no signal blocked (Dispatch's threads, where async tests run, block nearly all,
        // and a child inherits the mask: it would never see SIGTERM).
        let process = try ChildProcess(executable, arguments)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if !process.isRunning { break }
            if Self.answersPing(port: port) { return process }
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            process.signal(SIGKILL)
            awaitExit(of: process, upTo: 2)
        }
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        throw RedisServerError.didNotStart(port: port, log: String(log.suffix(2_000)))
    }

    /// True when something on the port answers PING (`+PONG`, or `-NOAUTH` when a password is required).
    private static func answersPing(port: Int) -> Bool {
        let socket = openTCPSocket()
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 0, tv_usec: 500_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = Self.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let ping = Array("PING\r\n".utf8)
        guard send(socket, ping, ping.count, 0) == ping.count else { return false }
        var reply = [UInt8](repeating: 0, count: 64)
        let count = recv(socket, &reply, reply.count, 0)
        guard count > 0 else { return false }
        let text = String(decoding: reply[..<count], as: UTF8.self)
        return text.hasPrefix("+PONG") || text.hasPrefix("-NOAUTH")
    }

    /// A port bound and let go (the socket closes as the holder goes away).
    private static func freeLoopbackPort() throws -> Int {
        do { return try RefusingLoopbackPort().port } catch { throw RedisServerError.noFreePort }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    private static func findExecutable() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"]
        for directory in directories {
            let candidate = directory + "/redis-server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw RedisServerError.notInstalled(inCI: ProcessInfo.processInfo.environment["CI"] == "true")
    }
}

public enum RedisServerError: Error, CustomStringConvertible {
    /// Never a silent skip: the tests that need Redis fail, in CI and on a workstation alike.
    case notInstalled(inCI: Bool)
    case didNotStart(port: Int, log: String)
    case noFreePort

    public var description: String {
        switch self {
        case .notInstalled(let inCI):
            let fix = "redis-server is not installed: run scripts/setup (it installs the Debian package redis-server)"
            return inCI ? "\(fix); CI=true, so the Redis tests fail rather than skip" : fix
        case .didNotStart(let port, let log):
            return "redis-server did not answer PING on 127.0.0.1:\(port); its log ends:\n\(log)"
        case .noFreePort:
            return "no free loopback port for redis-server"
        }
    }
}

// The C functions are shadowed by this file's method names (`kill`, `socket`), so call them by these names.
private func openTCPSocket() -> Int32 {
    #if canImport(Darwin)
    socket(AF_INET, SOCK_STREAM, 0)
    #else
    socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #endif
}
