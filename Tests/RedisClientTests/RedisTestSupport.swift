import Foundation
import GatewayTestSupport
import Logging
import NIOCore
import NIOPosix
import RedisClient
import Rules

/// A value shared with callbacks that run on event loops.
final class Locked<Value: Sendable>: @unchecked Sendable {  // `stored` only under `lock`
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { self.stored = value }

    var value: Value { self.lock.withLock { self.stored } }

    @discardableResult
    func mutate<Result>(_ body: (inout Value) -> Result) -> Result {
        self.lock.withLock { body(&self.stored) }
    }
}

/// Keeps every log message, to check what is logged once and what never.
struct RecordingLogHandler: LogHandler {
    let records: Locked<[(level: Logger.Level, message: String)]>
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        self.records.mutate { $0.append((event.level, event.message.description)) }
    }
}

struct RedisHarness {
    let server: RedisServer
    let client: RedisClient
    let logs: Locked<[(level: Logger.Level, message: String)]>

    func logCount(_ message: String) -> Int { self.logs.value.filter { $0.message == message }.count }
}

/// Starts a redis-server and a client configured from its URL, runs `body`, then shuts both down.
func withRedis(
    password: String? = nil,
    database: Int = 0,
    configure: (inout RedisClientConfiguration) -> Void = { _ in },
    _ body: (RedisHarness) async throws -> Void
) async throws {
    let server = try await RedisServer(password: password)
    defer { server.stop() }
    let (client, logs) = try makeClient(url: server.url(database: database), configure: configure)
    let running = RedisHarness(server: server, client: client, logs: logs)
    do {
        try await body(running)
    } catch {
        await client.shutdown()
        throw error
    }
    await client.shutdown()
}

func makeClient(
    url: String, configure: (inout RedisClientConfiguration) -> Void = { _ in }
) throws -> (client: RedisClient, logs: Locked<[(level: Logger.Level, message: String)]>) {
    var configuration = RedisClientConfiguration(try RedisConfig.parse(url).get())
    // Tests share two cores with each other: generous timeouts, except where a test sets its own.
    configuration.commandTimeout = .seconds(2)
    configuration.connectTimeout = .seconds(2)
    configure(&configuration)
    let logs = Locked<[(level: Logger.Level, message: String)]>([])
    let logger = Logger(label: "redis-test") { _ in RecordingLogHandler(records: logs) }
    return (RedisClient(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton, logger: logger), logs)
}

/// Polls `condition` every 20 ms until it holds or `limit` passes.
func eventually(within limit: Duration = .seconds(5), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// The error a call threw, or nil when it succeeded.
func redisError(_ call: () async throws -> some Any) async -> RedisError? {
    do {
        _ = try await call()
        return nil
    } catch let error as RedisError {
        return error
    } catch {
        return .protocolError("not a RedisError: \(error)")
    }
}
