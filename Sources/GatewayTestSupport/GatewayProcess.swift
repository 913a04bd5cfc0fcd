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

/// Runs a command to completion (bounded by `timeout` seconds; killed after it).
public func runCommand(_ executable: String, _ arguments: [String], directory: URL? = nil, timeout: Double = 30) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    // Output goes to files, so a chatty command can never block on a full pipe.
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-cmd-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("out")
    let errURL = scratch.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    try? out.close()
    try? err.close()
    let outData = (try? Data(contentsOf: outURL)) ?? Data()
    let errData = (try? Data(contentsOf: errURL)) ?? Data()
    return CommandResult(
        status: process.terminationStatus,
        standardOutput: String(decoding: outData, as: UTF8.self),
        standardError: String(decoding: errData, as: UTF8.self)
    )
}
