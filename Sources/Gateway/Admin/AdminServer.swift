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

    init(runtime: GatewayRuntime) { self.runtime = runtime }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head = self.head else { return }
            self.head = nil
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
            probe.assumeIsolated().whenComplete { result in
                switch result {
                case .success(let channel):
                    channel.close(promise: nil)
                    self.respond(.ok, "ready: rules loaded, origin \(origin.url) accepts connections\n", head: head, context: context)
                case .failure(let error):
                    self.respond(.serviceUnavailable, "not ready: origin \(origin.url) unreachable (\(error))\n", head: head, context: context)
                }
            }
        default:
            self.respond(.notFound, "not found: the admin listener serves /healthz and /readyz\n", head: head, context: context)
        }
    }

    private func respond(_ status: HTTPResponseStatus, _ text: String, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/plain; charset=utf-8")
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
