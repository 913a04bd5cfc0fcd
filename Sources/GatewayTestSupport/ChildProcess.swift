import CSpawn
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// A process the tests start (gateway serve, gateway check, redis-server), spawned through `cspawn`
/// rather than Foundation's `Process`, whose `run()` crashed the test process here (see CSpawn.h). The
/// tests reap it themselves: `isRunning` and `terminationStatus` ask `waitpid` without waiting.
public final class ChildProcess: Sendable {
    public let processIdentifier: pid_t
    /// The exit status (or the signal that ended it) once reaped.
    private let status = NIOLockedValueBox<Int32?>(nil)

    public struct LaunchError: Error, CustomStringConvertible {
        public let executable: String
        public let code: Int32
        public var description: String { "cannot start \(self.executable): \(String(cString: strerror(self.code)))" }
    }

    /// Starts `executable` with `arguments`; standard output and error go to the files named (nil: nowhere).
    public init(
        _ executable: String, _ arguments: [String], directory: String? = nil, standardOutput: String? = nil, standardError: String? = nil
    ) throws {
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid = pid_t()
        let code = argv.withUnsafeBufferPointer { argvPointer in
            cspawn(&pid, executable, argvPointer.baseAddress, directory, standardOutput, standardError)
        }
        guard code == 0 else { throw LaunchError(executable: executable, code: code) }
        self.processIdentifier = pid
        ChildProcesses.started(pid)
    }

    /// False once the child has exited (and has been reaped).
    public var isRunning: Bool { self.reap() == nil }

    /// The exit status, or the number of the signal that ended it; -1 while it runs.
    public var terminationStatus: Int32 { self.reap() ?? -1 }

    /// SIGTERM, while it runs (once reaped, its pid may be another process's).
    public func terminate() { self.signal(SIGTERM) }

    /// SIGINT, as Ctrl-C in a terminal.
    public func interrupt() { self.signal(SIGINT) }

    /// Sends `signal` unless the child has been reaped.
    public func signal(_ signal: Int32) {
        self.status.withLockedValue { status in
            if status == nil { kill(self.processIdentifier, signal) }
        }
    }

    private func reap() -> Int32? {
        self.status.withLockedValue { status in
            if let status { return status }
            var raw: Int32 = 0
            let result = waitpid(self.processIdentifier, &raw, WNOHANG)
            if result == self.processIdentifier {
                // WIFEXITED: the low 7 bits are 0 and the status is in the next 8; otherwise they are the signal.
                status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f
            } else if result == -1 && errno == ECHILD {
                status = -1
            }
            if status != nil { ChildProcesses.ended(self.processIdentifier) }
            return status
        }
    }
}
