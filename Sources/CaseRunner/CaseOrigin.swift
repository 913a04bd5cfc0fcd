import CacheSemantics
import Gateway
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import OriginKit
import Rules

/// The scripted origin's answers for one case: the first entry whose method, path and request headers
/// match answers, with its replies in turn (the last repeats). A request nothing matches gets a 404 that
/// says so, which the case's expectations will show.
final class CaseOrigin: Sendable {
    private let scripts: [OriginScript]
    private let clock: any WallClock
    private let answeredPerScript: NIOLockedValueBox<[Int]>

    init(scripts: [OriginScript], clock: any WallClock) {
        self.scripts = scripts
        self.clock = clock
        self.answeredPerScript = NIOLockedValueBox(Array(repeating: 0, count: scripts.count))
    }

    func reply(to request: RecordedRequest) -> OriginReply {
        guard let index = self.scripts.firstIndex(where: { Self.matches($0, request) }) else {
            return .text("gateway test: no origin entry matches \(request.method) \(request.uri)\n", status: .notFound)
        }
        let script = self.scripts[index]
        let turn = self.answeredPerScript.withLockedValue { counts -> Int in
            defer { counts[index] += 1 }
            return counts[index]
        }
        return self.render(script.replies[min(turn, script.replies.count - 1)])
    }

    private static func matches(_ script: OriginScript, _ request: RecordedRequest) -> Bool {
        if let method = script.method, method != request.method.rawValue { return false }
        if let path = script.path, !path.matches(request.path) { return false }
        return script.requestHeaders.allSatisfy { request.headers[$0.name].contains($0.value) }
    }

    private func render(_ reply: ScriptedReply) -> OriginReply {
        var headers = HTTPHeaders(reply.headers.map { ($0.name, $0.value) })
        // The origin's clock is the case's clock, so ages and freshness come out as they would in production.
        if !headers.contains(name: "date") {
            headers.add(name: "date", value: HTTPDate.format(Int64(self.clock.now().rounded(.down))))
        }
        let body: ByteBuffer
        if let size = reply.bodySize {
            body = ByteBuffer(repeating: UInt8(ascii: "x"), count: Int(size.bytes))
        } else {
            body = ByteBuffer(string: reply.body)
        }
        return OriginReply(
            status: HTTPResponseStatus(statusCode: reply.status), headers: headers, body: .bytes(body),
            delay: TimeAmount(reply.delay)
        )
    }
}
