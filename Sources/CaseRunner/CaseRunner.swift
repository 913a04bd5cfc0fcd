import Foundation
import Gateway
import GatewayTestSupport
import NIOCore
import NIOHTTP1
import OriginKit
import Rules

/// Runs `gateway test` case files: for each case, a fresh gateway on the case's rules (memory only, on a
/// clock the case moves) in front of a scripted origin, both on free loopback ports; the steps go through
/// the real server and pipeline over TCP.
public struct CaseRunner: Sendable {
    /// Only cases whose name contains this run (nil: all).
    public var filter: String?

    public init(filter: String? = nil) { self.filter = filter }

    /// Every case of the file at `path`, or the file's problems.
    public func run(file path: String) async -> Result<[CaseResult], ConfigProblems> {
        let file: CaseFile
        switch CaseFileLoader.load(file: path) {
        case .success(let loaded): file = loaded
        case .failure(let problems): return .failure(problems)
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        var results: [CaseResult] = []
        for testCase in file.cases where self.filter.map({ testCase.name.contains($0) }) ?? true {
            let rulesPath = testCase.rulesPath.hasPrefix("/")
                ? testCase.rulesPath
                : directory.appendingPathComponent(testCase.rulesPath).standardizedFileURL.path
            results.append(await Self.run(testCase, rulesPath: rulesPath))
        }
        return .success(results)
    }

    static func run(_ testCase: TestCase, rulesPath: String) async -> CaseResult {
        let started = ContinuousClock.now
        var result = CaseResult(name: testCase.name, location: testCase.location, started: started)
        var config: GatewayConfig
        switch ConfigLoader.load(file: rulesPath) {
        case .success(let loaded): config = loaded
        case .failure(let problems):
            result.error = "the rules file is invalid:\n" + problems.rendered(file: rulesPath)
            result.finish()
            return result
        }
        // Cases test one instance's behaviour: Redis, if configured, is left out.
        config.redis = nil
        let clock = ManualWallClock(Date().timeIntervalSince1970.rounded(.down))
        let script = CaseOrigin(scripts: testCase.origin, clock: clock)
        let origin = ScriptedOrigin { script.reply(to: $0) }
        let token = UUID().uuidString
        let edge: EdgeHarness
        do {
            try await origin.start()
            config.origin.url = OriginURL(host: "127.0.0.1", port: origin.port)
            edge = try await EdgeHarness.start(config: config, origin: origin, clock: clock, adminToken: token)
        } catch {
            await origin.stop()
            result.error = "could not start the gateway and the scripted origin: \(error)"
            result.finish()
            return result
        }
        var walk = CaseWalk(edge: edge, clock: clock, token: token)
        for (index, step) in testCase.steps.enumerated() {
            if let failure = await walk.take(step, number: index + 1) {
                result.failure = failure
                break
            }
        }
        result.requests = walk.requestsSent
        await edge.stop()
        result.finish()
        return result
    }
}

/// The outcome of one case.
public struct CaseResult: Sendable {
    public var name: String
    public var location: SourceLocation
    /// The first step that did not go as expected (the case stops there).
    public var failure: StepFailure?
    /// Why the case could not run at all.
    public var error: String?
    public var requests = 0
    public var duration: Duration = .zero

    public var passed: Bool { failure == nil && error == nil }

    private let started: ContinuousClock.Instant

    init(name: String, location: SourceLocation, started: ContinuousClock.Instant) {
        self.name = name
        self.location = location
        self.started = started
    }

    /// Marks the case finished now.
    mutating func finish() { self.duration = ContinuousClock.now - self.started }
}

public struct StepFailure: Sendable {
    public var step: Int
    public var location: SourceLocation
    /// `GET /path`, `purge`, ...
    public var action: String
    /// Which of a repeated request failed (1-based), when the step repeats.
    public var repetition: Int?
    public var mismatches: [Mismatch]
    /// The response's status line and headers, as received.
    public var responseHead: [String]
}

/// One case's steps against its gateway, in order.
struct CaseWalk {
    let edge: EdgeHarness
    let clock: ManualWallClock
    let token: String
    private(set) var requestsSent = 0
    /// The origin's request count when the last response arrived: more since then means background work.
    private var originCountSeen = 0
    /// The last response was served stale while updating: the origin count its background refresh makes.
    private var refreshTarget: Int?

    init(edge: EdgeHarness, clock: ManualWallClock, token: String) {
        self.edge = edge
        self.clock = clock
        self.token = token
    }

    mutating func take(_ step: CaseStep, number: Int) async -> StepFailure? {
        switch step {
        case .advance(let amount, _):
            await self.settle()
            let (seconds, attoseconds) = amount.components
            self.clock.advance(by: Double(seconds) + Double(attoseconds) / 1e18)
            return nil
        case .purge(let purge):
            await self.settle()
            return await self.purge(purge, number: number)
        case .request(let request):
            for repetition in 1...request.repeatCount {
                if let failure = await self.send(request, number: number, repetition: request.repeatCount > 1 ? repetition : nil) {
                    return failure
                }
            }
            return nil
        }
    }

    private mutating func send(_ step: RequestStep, number: Int, repetition: Int?) async -> StepFailure? {
        await self.settle()
        let action = "\(step.method) \(step.target)"
        let originCountBefore = self.edge.origin.requestCount
        let response: TestResponse
        do {
            response = try await self.edge.request(
                HTTPMethod(rawValue: step.method), step.target, headers: step.headers.map { ($0.name, $0.value) }, body: step.body, timeout: 30
            )
        } catch {
            return StepFailure(
                step: number, location: step.location, action: action, repetition: repetition,
                mismatches: [Mismatch("response", expected: "a complete response", actual: "\(error)")], responseHead: []
            )
        }
        self.requestsSent += 1
        let observed = ObservedResponse(
            status: Int(response.statusCode), headers: response.headers.map { HeaderField($0.name, $0.value) }, body: response.bodyString
        )
        var originCount = self.edge.origin.requestCount
        if let expected = step.expect.originRequests, originCount < expected {
            // A background refresh may still be on its way to the origin.
            originCount = await self.waitForOrigin(atLeast: expected)
        }
        self.originCountSeen = originCount
        self.refreshTarget = response.header("x-cache") == "UPDATING" ? originCountBefore + 1 : nil
        let last = self.edge.origin.requests.last.map { request in
            ObservedOriginRequest(method: request.method.rawValue, target: request.uri, headers: request.headers.map { HeaderField($0.name, $0.value) })
        }
        let mismatches = step.expect.mismatches(observed, originRequests: originCount, lastOriginRequest: last)
        guard mismatches.isEmpty else {
            let head = ["HTTP/1.1 \(response.status.code) \(response.status.reasonPhrase)"] + response.headers.map { "\($0.name): \($0.value)" }
            return StepFailure(
                step: number, location: step.location, action: action, repetition: repetition, mismatches: mismatches, responseHead: head
            )
        }
        return nil
    }

    private func purge(_ purge: PurgeStep, number: Int) async -> StepFailure? {
        struct Body: Encodable {
            var files: [String]
            var prefixes: [String]
            var tags: [String]
            var hosts: [String]
            var purge_everything: Bool
        }
        let body = Body(files: purge.files, prefixes: purge.prefixes, tags: purge.tags, hosts: purge.hosts, purge_everything: purge.everything)
        let json = (try? JSONEncoder().encode(body)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        do {
            let response = try await self.edge.purge(json, token: self.token)
            guard response.statusCode == 200 else {
                return StepFailure(
                    step: number, location: purge.location, action: "purge", repetition: nil,
                    mismatches: [Mismatch("purge", expected: "200", actual: "\(response.statusCode): \(response.bodyString)")], responseHead: []
                )
            }
            return nil
        } catch {
            return StepFailure(
                step: number, location: purge.location, action: "purge", repetition: nil,
                mismatches: [Mismatch("purge", expected: "an answer from the admin listener", actual: "\(error)")], responseHead: []
            )
        }
    }

    /// Lets background work (a stale-while-revalidate refresh) finish before the next step, so a case reads
    /// the same on every run: when the origin got requests since the last response, wait until it has
    /// answered them all, then give the gateway a moment to store the answer.
    private mutating func settle() async {
        let origin = self.edge.origin
        if let target = self.refreshTarget {
            self.refreshTarget = nil
            _ = await self.waitForOrigin(atLeast: target)
        }
        guard origin.requestCount != self.originCountSeen || origin.unansweredCount > 0 else { return }
        let deadline = ContinuousClock.now + .seconds(10)
        while origin.unansweredCount > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        try? await Task.sleep(for: .milliseconds(50))
        self.originCountSeen = origin.requestCount
    }

    private func waitForOrigin(atLeast expected: Int) async -> Int {
        let deadline = ContinuousClock.now + .seconds(2)
        while self.edge.origin.requestCount < expected && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return self.edge.origin.requestCount
    }
}
