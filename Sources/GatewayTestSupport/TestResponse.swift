import NIOCore
import NIOHTTP1

/// A response as a test client received it.
public struct TestResponse: Sendable {
    public var status: HTTPResponseStatus
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// Body bytes received (also when they were not kept).
    public var bodyLength: Int

    public var statusCode: UInt { self.status.code }
    public var bodyString: String { String(buffer: self.body) }

    public func header(_ name: String) -> String? { self.headers.first(name: name) }
}

public struct TestTimeout: Error, CustomStringConvertible {
    public let what: String
    public var description: String { "timed out: \(self.what)" }
}

/// Runs `operation`, failing with `TestTimeout` after `seconds`: network tests are bounded in time.
public func withTimeout<T: Sendable>(
    _ seconds: Double, _ what: String = "operation", _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw TestTimeout(what: what)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
