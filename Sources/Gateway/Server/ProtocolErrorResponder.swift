import NIOCore
import NIOHTTP1

/// Answers what the HTTP parser refused with the status that says why — 431 for an oversized head,
/// 400 for the rest — and lets the connection close. Replaces NIO's `HTTPServerProtocolErrorHandler`,
/// which answers 400 to everything.
final class ProtocolErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var responseInProgress = false

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if !self.responseInProgress {
            let response: LocalResponse
            switch parserError {
            case .headerOverflow:
                response = LocalResponse(.requestHeaderFieldsTooLarge, "the request head is too large", closeConnection: true)
            default:
                response = LocalResponse(.badRequest, "malformed HTTP request (\(parserError))", closeConnection: true)
            }
            let head = response.head(version: .http1_1, via: GatewayRuntime.via)
            context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
            var body = context.channel.allocator.buffer(capacity: response.body.utf8.count)
            body.writeString(response.body)
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
        }
        // The decoder closes the connection after this; the rest of the pipeline may want to know.
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch Self.unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200 || head.status.code == 101:
            self.responseInProgress = true
        case .end:
            self.responseInProgress = false
        default:
            break
        }
        context.write(data, promise: promise)
    }
}
