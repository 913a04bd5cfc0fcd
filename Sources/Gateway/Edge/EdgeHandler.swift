import Logging
import NIOCore
import NIOHTTP1
import Rules

/// The client connection's last handler: runs the `EdgePipeline` for each request and carries out
/// what it decides — a local answer, or an exchange with the origin streamed in both directions with
/// back-pressure. Requests arrive one at a time (`HTTPServerPipelineHandler` holds pipelined ones).
final class EdgeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let runtime: GatewayRuntime
    private let pool: OriginPool
    private let clock: ConnectionClock
    private var context: ChannelHandlerContext?
    private var exchange: Exchange?
    /// A request answered locally whose remaining body parts are dropped until its end.
    private var discardingBody = false
    /// A `read` we did not pass on because the origin cannot take more yet.
    private var heldRead = false
    private var peerIP = "0.0.0.0"

    init(runtime: GatewayRuntime, pool: OriginPool, clock: ConnectionClock) {
        self.runtime = runtime
        self.pool = pool
        self.clock = clock
    }

    // MARK: channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.peerIP = context.channel.remoteAddress?.ipAddress ?? "0.0.0.0"
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.peerIP = context.channel.remoteAddress?.ipAddress ?? self.peerIP
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.requestHead(head, context: context)
        case .body(let body):
            if self.discardingBody { return }
            self.exchange?.requestBody(body)
        case .end(let trailers):
            if self.discardingBody {
                self.discardingBody = false
                return
            }
            self.clock.requestEnded()
            self.exchange?.requestEnd(trailers)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.exchange?.flushOrigin()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.clock.stop()
        // A client that went away cancels its origin request.
        self.exchange?.clientWentAway()
        self.exchange = nil
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.exchange?.clientWritable() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Parser errors were answered by `ProtocolErrorResponder`; anything else ends the connection.
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if let exchange, exchange.holdsClientReads {
            self.heldRead = true
            self.clock.readsHeld()
            return
        }
        context.read()
    }

    /// The origin can take more of the request body.
    func releaseHeldRead() {
        guard self.heldRead, let context else { return }
        self.heldRead = false
        self.clock.readsResumed(bodyPending: self.exchange?.requestComplete == false)
        context.read()
    }

    // MARK: the walk

    private func requestHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let pipeline = self.runtime.pipeline
        let framing = RequestFraming(head)
        self.clock.headReceived(expectingBody: framing.hasBody)
        switch pipeline.start(head, peerIP: self.peerIP, now: .now()) {
        case .respond(let response):
            self.discardingBody = true
            self.writeLocal(response, version: head.version, keepAlive: head.isKeepAlive, pipeline: pipeline)
        case .forward(let plan):
            self.discardingBody = false
            let exchange = Exchange(plan: plan, pipeline: pipeline, handler: self, pool: self.pool)
            self.exchange = exchange
            if plan.expectsContinue {
                context.writeAndFlush(
                    Self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil
                )
            }
            exchange.begin()
        }
    }

    // MARK: used by the exchange

    func writeLocal(_ response: LocalResponse, version: HTTPVersion, keepAlive: Bool, pipeline: EdgePipeline) {
        guard let context else { return }
        var response = response
        if !keepAlive { response.closeConnection = true }
        let head = response.head(version: version, via: pipeline.via)
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        var body = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        body.writeString(response.body)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        self.finishResponse(close: response.closeConnection, context: context)
    }

    func writeResponseHead(_ head: HTTPResponseHead) {
        self.context?.write(Self.wrapOutboundOut(.head(head)), promise: nil)
    }

    func writeResponseBody(_ body: ByteBuffer) {
        self.context?.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
    }

    func flushClient() { self.context?.flush() }

    var clientIsWritable: Bool { self.context?.channel.isWritable ?? false }

    func endResponse(close: Bool) {
        guard let context else { return }
        self.finishResponse(close: close, context: context)
    }

    /// The response was cut short after its head went out: the client must see a closed connection,
    /// never a complete-looking response.
    func abortResponse() {
        self.exchange = nil
        self.context?.close(promise: nil)
    }

    func exchangeFinished(_ exchange: Exchange, record: AccessRecord) {
        if self.exchange === exchange { self.exchange = nil }
        self.runtime.accessLog.write(record)
        self.releaseHeldRead()
    }

    func closeClient() { self.context?.close(promise: nil) }

    private func finishResponse(close: Bool, context: ChannelHandlerContext) {
        if close {
            context.writeAndFlush(Self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        } else {
            context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
            self.clock.exchangeFinished()
        }
    }
}
