import NIOCore
import NIOHTTP1

/// Receives one origin response at a time. Lives on the same event loop as the client connection.
protocol OriginResponseSink: AnyObject {
    func originResponseHead(_ head: HTTPResponseHead)
    func originResponseBody(_ body: ByteBuffer)
    func originResponseEnd()
    /// A batch of reads ended: time to flush what was written to the client.
    func originReadComplete()
    /// The connection failed or closed while this sink was attached.
    func originFailed(_ error: OriginError, responseStarted: Bool)
    /// The client side cannot take more now; the origin's reads wait until `resumeOriginReads`.
    var originReadsPaused: Bool { get }
}

/// The last handler of an origin connection: hands response parts to the attached sink and applies its
/// back-pressure by holding `read` while the client is not writable.
final class OriginResponseHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private weak var sink: OriginResponseSink?
    private var responseStarted = false
    private var heldRead = false
    private var context: ChannelHandlerContext?
    /// Called when the connection closes, so the pool forgets it.
    var onClose: (() -> Void)?
    /// Called when the connection can take more of a request body.
    var onWritable: (() -> Void)?

    func attach(_ sink: OriginResponseSink) {
        self.sink = sink
        self.responseStarted = false
    }

    func detach() {
        self.sink = nil
        self.onWritable = nil
        self.responseStarted = false
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let sink else {
            // A response with no one waiting for it: the connection is not in a known state.
            context.close(promise: nil)
            return
        }
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.responseStarted = true
            sink.originResponseHead(head)
        case .body(let body):
            sink.originResponseBody(body)
        case .end:
            self.responseStarted = false
            self.sink = nil
            sink.originResponseEnd()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.sink?.originReadComplete()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.onWritable?() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let sink {
            self.sink = nil
            sink.originFailed(.closedEarly, responseStarted: self.responseStarted)
        }
        self.onClose?()
        self.onClose = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let sink {
            self.sink = nil
            let originError: OriginError =
                error is HTTPParserError ? .protocolError("\(error)") : .connectFailed("\(error)")
            sink.originFailed(originError, responseStarted: self.responseStarted)
        }
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if let sink, sink.originReadsPaused {
            self.heldRead = true
            return
        }
        context.read()
    }

    /// The client drained; let the origin's bytes flow again.
    func resumeReads() {
        guard self.heldRead, let context else { return }
        self.heldRead = false
        context.read()
    }
}
