import Foundation
import Gateway
import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Testing

/// Faults around the gateway: a slow origin, a 5xx storm, a reset mid-body. No request that could be
/// answered fails, and the origin is not hammered while it is down.
@Suite("Faults")
struct FaultTests {
    static let rules = """
        origin: { url: "ORIGIN_URL", response_timeout: 300ms }
        rules:
          - name: feed
            match: { path: /feed* }
            cache: { edge_ttl: 10s, stale_if_error: 1h }
        """

    /// An origin that answers well until `failing` is set, then as `failure` says.
    final class Switchable: Sendable {
        let failing = ManagedFlag()
        func reply(_ request: RecordedRequest, failure: OriginReply) -> OriginReply {
            self.failing.value ? failure : .text("good \(request.path)\n", headers: ["etag": "\"g\""])
        }
    }

    @Test("an origin slow to send headers: the stale entry within stale_if_error, not a 504")
    func slowHeadersServeStale() async throws {
        let clock = ManualWallClock()
        let origin = Switchable()
        let edge = try await EdgeHarness.start(yaml: Self.rules, clock: clock) {
            origin.reply($0, failure: OriginReply(status: .ok, body: .bytes(ByteBuffer(string: "late")), delay: .seconds(10)))
        }
        try await edge.run { edge in
            #expect(try await edge.request(.GET, "/feed").header("x-cache") == "MISS")
            origin.failing.value = true
            clock.advance(by: 60)
            let started = ContinuousClock.now
            let stale = try await edge.request(.GET, "/feed", timeout: 9)
            #expect(stale.statusCode == 200)
            #expect(stale.bodyString == "good /feed\n")
            #expect(stale.header("x-cache") == "STALE")
            #expect(ContinuousClock.now - started < .seconds(5), "after response_timeout (300 ms), not the origin's 10 s")
            let fresh = try await edge.request(.GET, "/other", timeout: 9)
            #expect(fresh.statusCode == 504, "nothing stale to stand in: 504")
        }
    }

    @Test("a 5xx storm: every client gets the stale entry, and the origin is asked about once per second, not once per request")
    func storm() async throws {
        let clock = ManualWallClock()
        let origin = Switchable()
        let edge = try await EdgeHarness.start(yaml: Self.rules, clock: clock) {
            origin.reply($0, failure: .text("down\n", status: .serviceUnavailable))
        }
        try await edge.run { edge in
            _ = try await edge.request(.GET, "/feed")
            origin.failing.value = true
            clock.advance(by: 60)
            // 40 at once, then 40 one after another, all within one second of the clock.
            let concurrent = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<40 { group.addTask { Int(try await edge.request(.GET, "/feed").statusCode) } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(concurrent.allSatisfy { $0 == 200 }, "\(concurrent)")
            for _ in 0..<40 {
                let response = try await edge.request(.GET, "/feed")
                #expect(response.statusCode == 200)
                #expect(response.header("x-cache") == "STALE")
            }
            let asked = edge.origin.requests(path: "/feed").count - 1
            #expect(asked <= 2, "80 requests during the storm asked the origin \(asked) times")
            // A second later the gateway tries the origin again; when it is back, the entry is fresh again.
            origin.failing.value = false
            clock.advance(by: 2)
            let recovered = try await edge.request(.GET, "/feed")
            #expect(recovered.statusCode == 200)
            #expect(["EXPIRED", "REVALIDATED"].contains(recovered.header("x-cache")), "\(recovered.header("x-cache") ?? "")")
            #expect(try await edge.request(.GET, "/feed").header("x-cache") == "HIT")
        }
    }

    @Test("an origin sending Age: 9223372036854775807 (found by fuzzing) is answered, not a crash; the age counts as 2^31")
    func hugeAge() async throws {
        let edge = try await EdgeHarness.start(yaml: "") { _ in
            .text("old\n", headers: ["cache-control": "max-age=60", "age": "9223372036854775807"])
        }
        try await edge.run { edge in
            let first = try await edge.request(.GET, "/page")
            #expect(first.statusCode == 200)
            #expect(first.bodyString == "old\n")
            // Older than its max-age from the start: not served from the cache.
            let second = try await edge.request(.GET, "/page")
            #expect(second.statusCode == 200)
            #expect(second.header("x-cache") != "HIT")
            #expect(edge.origin.requestCount == 2)
        }
    }

    @Test("an origin that resets mid-body: the client's response is cut short and closed, and nothing truncated is cached")
    func resetIsNotCached() async throws {
        let body = String(repeating: "x", count: 100_000)
        let resets = ManagedFlag()
        resets.value = true
        let edge = try await EdgeHarness.start(yaml: Self.rules) { _ in
            resets.value
                ? OriginReply(status: .ok, headers: ["content-length": "100000"], body: .bytes(ByteBuffer(string: body)), resetAfterBytes: 10_000)
                : .text(body)
        }
        try await edge.run { edge in
            await #expect(throws: TruncatedResponse.self) { try await edge.request(.GET, "/feed") }
            resets.value = false
            let next = try await edge.request(.GET, "/feed")
            #expect(next.header("x-cache") == "MISS", "the truncated response was not stored")
            #expect(next.bodyString.count == 100_000)
            #expect(edge.origin.requestCount == 2)
        }
    }
}

/// A Bool shared between a test and an origin closure.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = false
    var value: Bool {
        get { self.lock.withLock { self.stored } }
        set { self.lock.withLock { self.stored = newValue } }
    }
}
