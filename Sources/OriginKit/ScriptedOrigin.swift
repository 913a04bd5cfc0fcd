import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 origin on SwiftNIO whose answers come from a closure. It records every request
/// and counts connections, so tests can say exactly what reached the origin; the demo origin uses it too.
public final class ScriptedOrigin: Sendable {
    public typealias Responder = @Sendable (RecordedRequest) -> OriginReply

    private struct Record {
        var requests: [RecordedRequest] = []
        var connections = 0
        var openConnections = 0
        var answered = 0
    }

    private let record = NIOLockedValueBox(Record())
    /// The closure sits in a class: a closure kept directly in a generic box is re-wrapped in a
    /// reabstraction thunk on every read, and the chain grows until the stack overflows.
    private final class ResponderHolder: Sendable {
        let responder: Responder
        init(_ responder: @escaping Responder) { self.responder = responder }
    }

    private let responder: NIOLockedValueBox<ResponderHolder>
    private let group: EventLoopGroup
    private let ownsGroup: Bool
    private let channel: NIOLockedValueBox<Channel?> = NIOLockedValueBox(nil)

    public init(group: EventLoopGroup? = nil, responder: @escaping Responder) {
        if let group {
            self.group = group
            self.ownsGroup = false
        } else {
            self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            self.ownsGroup = true
        }
        self.responder = NIOLockedValueBox(ResponderHolder(responder))
    }

    /// Binds; port 0 picks a free one (see `port`).
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws {
        let bootstrap = ServerBootstrap(group: self.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let number = self.record.withLockedValue { record -> Int in
                    record.connections += 1
                    record.openConnections += 1
                    return record.connections
                }
                channel.closeFuture.whenComplete { _ in
                    self.record.withLockedValue { $0.openConnections -= 1 }
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(OriginHandler(origin: self, connectionNumber: number))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        self.channel.withLockedValue { $0 = channel }
        self.boundPort.withLockedValue { $0 = channel.localAddress?.port ?? 0 }
    }

    public var port: Int { self.boundPort.withLockedValue { $0 } }
    private let boundPort = NIOLockedValueBox(0)

    public var url: String { "http://127.0.0.1:\(self.port)" }

    /// Everything received so far, in order.
    public var requests: [RecordedRequest] { self.record.withLockedValue { $0.requests } }

    public var requestCount: Int { self.record.withLockedValue { $0.requests.count } }

    /// Requests received whose answer has not been written in full yet (hanging ones stay here).
    public var unansweredCount: Int { self.record.withLockedValue { $0.requests.count - $0.answered } }

    func answered() { self.record.withLockedValue { $0.answered += 1 } }

    /// Connections accepted since start.
    public var connectionCount: Int { self.record.withLockedValue { $0.connections } }

    public var openConnectionCount: Int { self.record.withLockedValue { $0.openConnections } }

    public func requests(path: String) -> [RecordedRequest] { self.requests.filter { $0.path == path } }

    public func setResponder(_ responder: @escaping Responder) {
        self.responder.withLockedValue { $0 = ResponderHolder(responder) }
    }

    /// Stops listening and closes its connections; calling it again does nothing.
    public func stop() async {
        let channel = self.channel.withLockedValue { channel -> Channel? in
            defer { channel = nil }
            return channel
        }
        guard let channel else { return }
        try? await channel.close()
        if self.ownsGroup { try? await self.group.shutdownGracefully() }
    }

    func received(_ request: RecordedRequest) -> OriginReply {
        self.record.withLockedValue { $0.requests.append(request) }
        let holder = self.responder.withLockedValue { $0 }
        return holder.responder(request)
    }
}

final class OriginHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let origin: ScriptedOrigin
    private let connectionNumber: Int
    private var request: RecordedRequest?
    private var streaming: (chunk: ByteBuffer, remaining: Int, keepAlive: Bool)?
    private static let keptBodyBytes = 1 << 20

    init(origin: ScriptedOrigin, connectionNumber: Int) {
        self.origin = origin
        self.connectionNumber = connectionNumber
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.request = RecordedRequest(
                method: head.method, uri: head.uri, version: head.version, headers: head.headers,
                body: ByteBuffer(), bodyLength: 0, connectionNumber: self.connectionNumber
            )
        case .body(var body):
            guard var request = self.request else { return }
            request.bodyLength += body.readableBytes
            let room = Self.keptBodyBytes - request.body.readableBytes
            if room > 0, let slice = body.readSlice(length: min(room, body.readableBytes)) {
                request.body.writeImmutableBuffer(slice)
            }
            self.request = request
        case .end:
            guard let request = self.request else { return }
            self.request = nil
            let reply = self.origin.received(request)
            let keepAlive = request.headers.first(name: "connection")?.lowercased() != "close" && request.version == .http1_1
            if reply.hang { return }
            if let gate = reply.gate {
                let held = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                gate.whenOpen {
                    held.eventLoop.execute {
                        let (handler, context) = held.value
                        handler.sendAfterDelay(reply, keepAlive: keepAlive, context: context)
                    }
                }
            } else {
                self.sendAfterDelay(reply, keepAlive: keepAlive, context: context)
            }
        }
    }

    private func sendAfterDelay(_ reply: OriginReply, keepAlive: Bool, context: ChannelHandlerContext) {
        if reply.delay > .zero {
            context.eventLoop.assumeIsolated().scheduleTask(in: reply.delay) {
                self.send(reply, keepAlive: keepAlive, context: context)
            }
        } else {
            self.send(reply, keepAlive: keepAlive, context: context)
        }
    }

    private func send(_ reply: OriginReply, keepAlive: Bool, context: ChannelHandlerContext) {
        guard context.channel.isActive else {
            self.origin.answered()
            return
        }
        var headers = reply.headers
        if !headers.contains(name: "content-length") && !headers.contains(name: "transfer-encoding") {
            headers.add(name: "content-length", value: String(reply.contentLength))
        }
        if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: reply.status, headers: headers))), promise: nil)
        if let resetAfter = reply.resetAfterBytes {
            var partial: ByteBuffer
            switch reply.body {
            case .bytes(let buffer): partial = buffer
            case .stream(let chunk, _): partial = chunk
            }
            if let slice = partial.readSlice(length: min(resetAfter, partial.readableBytes)) {
                context.write(Self.wrapOutboundOut(.body(.byteBuffer(slice))), promise: nil)
            }
            context.flush()
            self.origin.answered()
            // An abortive close (RST), as an origin that crashes mid-body would do.
            if let provider = context.channel as? SocketOptionProvider {
                provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            } else {
                context.close(promise: nil)
            }
            return
        }
        switch reply.body {
        case .bytes(let buffer):
            if buffer.readableBytes > 0 {
                context.write(Self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
            self.end(keepAlive: keepAlive, context: context)
        case .stream(let chunk, let count):
            self.streaming = (chunk, count, keepAlive)
            self.pump(context: context)
        }
    }

    private func pump(context: ChannelHandlerContext) {
        guard var streaming = self.streaming else { return }
        while streaming.remaining > 0 && context.channel.isWritable {
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(streaming.chunk))), promise: nil)
            streaming.remaining -= 1
        }
        context.flush()
        if streaming.remaining == 0 {
            self.streaming = nil
            self.end(keepAlive: streaming.keepAlive, context: context)
        } else {
            self.streaming = streaming
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.pump(context: context) }
        context.fireChannelWritabilityChanged()
    }

    private func end(keepAlive: Bool, context: ChannelHandlerContext) {
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            self.origin.answered()
            if !keepAlive { context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
