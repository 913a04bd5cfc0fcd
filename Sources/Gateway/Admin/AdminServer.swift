import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Rules

/// The admin listener (loopback by default): `/healthz` says the process is alive, `/readyz` that the
/// rules are loaded and the origin accepts connections.
final class AdminServer: @unchecked Sendable {
    // @unchecked: `channel` is written once in `start()` and read after.
    private let group: EventLoopGroup
    private let runtime: GatewayRuntime
    private let logger: Logger
    private var channel: Channel?

    init(group: EventLoopGroup, runtime: GatewayRuntime, logger: Logger) {
        self.group = group
        self.runtime = runtime
        self.logger = logger
    }

    var localAddress: SocketAddress? { self.channel?.localAddress }

    func start(at address: ListenAddress) async throws {
        let runtime = self.runtime
        let bootstrap = ServerBootstrap(group: self.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(AdminHandler(runtime: runtime))
                }
            }
        self.channel = try await bootstrap.bind(host: address.host, port: address.port).get()
    }

    func stop() async {
        try? await self.channel?.close()
    }
}

final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let runtime: GatewayRuntime
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var bodyTooLarge = false
    private static let maxBody = 1 << 20

    init(runtime: GatewayRuntime) { self.runtime = runtime }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body = []
            self.bodyTooLarge = false
        case .body(let buffer):
            if self.body.count + buffer.readableBytes > Self.maxBody {
                self.bodyTooLarge = true
            } else {
                self.body += buffer.readableBytesView
            }
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            if self.bodyTooLarge {
                self.respond(.payloadTooLarge, "the admin API takes bodies up to 1MiB\n", head: head, context: context)
                return
            }
            self.route(head, context: context)
        }
    }

    private func route(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        switch (head.method, path) {
        case (.GET, "/healthz"), (.HEAD, "/healthz"):
            self.respond(.ok, "ok\n", head: head, context: context)
        case (.GET, "/readyz"), (.HEAD, "/readyz"):
            let origin = self.runtime.config.origin
            let probe = ClientBootstrap(group: context.eventLoop)
                .connectTimeout(TimeAmount(origin.connectTimeout))
                .connect(host: origin.url.host, port: origin.url.port)
            // Redis is reported, not required: without it the gateway serves from memory and the origin.
            let redis: String
            switch self.runtime.redis?.health {
            case nil: redis = "redis: not configured (memory only)\n"
            case .up?: redis = "redis: up\n"
            case .down?: redis = "redis: down, serving without it\n"
            }
            probe.assumeIsolated().whenComplete { result in
                switch result {
                case .success(let channel):
                    channel.close(promise: nil)
                    self.respond(.ok, "ready: rules loaded, origin \(origin.url) accepts connections\n" + redis, head: head, context: context)
                case .failure(let error):
                    self.respond(.serviceUnavailable, "not ready: origin \(origin.url) unreachable (\(error))\n" + redis, head: head, context: context)
                }
            }
        case (.GET, "/metrics"):
            let text = String(decoding: self.runtime.scrapeMetrics(), as: UTF8.self)
            self.respond(.ok, text, head: head, context: context, contentType: "text/plain; version=0.0.4; charset=utf-8")
        case (.POST, "/purge"):
            self.purge(head, context: context)
        case (.POST, "/reload"):
            guard self.authorised(head, context: context) else { return }
            switch self.runtime.reload() {
            case .success(let summary):
                self.respondJSON(.ok, #"{"success":true,"changes":\#(AccessRecord.quoted(summary.description))}"#, head: head, context: context)
            case .failure(let error):
                self.respondJSON(.badRequest, #"{"success":false,"errors":[\#(AccessRecord.quoted(error.message))]}"#, head: head, context: context)
            }
        default:
            self.respond(
                .notFound, "not found: the admin listener serves GET /healthz, GET /readyz, GET /metrics, POST /purge and POST /reload\n", head: head, context: context
            )
        }
    }

    /// Admin actions need the bearer token; with none configured they are refused.
    private func authorised(_ head: HTTPRequestHead, context: ChannelHandlerContext) -> Bool {
        guard let token = self.runtime.adminToken else {
            self.respondJSON(
                .forbidden, #"{"success":false,"errors":["admin actions are disabled: start the gateway with --admin-token or GATEWAY_ADMIN_TOKEN"]}"#,
                head: head, context: context
            )
            return false
        }
        let presented = head.headers.first(name: "authorization").flatMap { value -> String? in
            value.lowercased().hasPrefix("bearer ") ? String(value.dropFirst(7)).trimmingCharacters(in: " ") : nil
        }
        guard let presented, ConstantTime.equal(presented, token) else {
            self.respondJSON(.unauthorized, #"{"success":false,"errors":["missing or wrong bearer token"]}"#, head: head, context: context)
            return false
        }
        return true
    }

    private func purge(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard self.authorised(head, context: context) else { return }
        switch PurgeRequest.parse(json: self.body) {
        case .failure(let error):
            self.respondJSON(.badRequest, #"{"success":false,"errors":[\#(AccessRecord.quoted(error.message))]}"#, head: head, context: context)
        case .success(let request):
            self.runtime.purge(request)
            self.respondJSON(.ok, #"{"success":true,"purged":\#(AccessRecord.quoted(request.summary))}"#, head: head, context: context)
        }
    }

    private func respondJSON(_ status: HTTPResponseStatus, _ json: String, head: HTTPRequestHead, context: ChannelHandlerContext) {
        self.respond(status, json + "\n", head: head, context: context, contentType: "application/json")
    }

    private func respond(
        _ status: HTTPResponseStatus, _ text: String, head: HTTPRequestHead, context: ChannelHandlerContext,
        contentType: String = "text/plain; charset=utf-8"
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(text.utf8.count))
        headers.add(name: "cache-control", value: "no-store")
        if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
        context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let keepAlive = head.isKeepAlive
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }
}

/// Comparison whose time does not depend on where the strings differ, for secrets.
enum ConstantTime {
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(truncatingIfNeeded: x.count ^ y.count)
        for index in 0..<max(x.count, y.count) {
            let left = index < x.count ? x[index] : 0
            let right = index < y.count ? y[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
