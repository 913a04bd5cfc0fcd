import NIOCore

/// One connection's RESP traffic: writes encoded commands, parses replies with hiredis and hands them out in
/// FIFO order (Redis answers in order, so any number of commands may be in flight). If replies stop coming
/// for `commandTimeout` while some are owed, every waiting command fails with `.timeout` and the connection
/// closes: a late reply would otherwise be taken as the answer to the next command.
///
/// With `onPush`, pub/sub messages (`message`, `pmessage` arrays) go there instead of to a waiting command.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        let replies: ReplySink
        let writtenAt: NIODeadline
    }

    private let reader = RESPReader()
    private var waiting = CircularBuffer<Waiting>(initialCapacity: 16)
    /// Replies collected so far for the first waiting pipeline.
    private var collected: [RESPValue] = []
    private var lastProgress = NIODeadline.uptimeNanoseconds(0)
    private var timer: Scheduled<Void>?
    private var isClosed = false
    private let commandTimeout: TimeAmount
    private let onEvent: @Sendable (RedisConnection.Event) -> Void
    private let onPush: (@Sendable (RESPValue) -> Void)?

    init(
        commandTimeout: TimeAmount,
        onEvent: @escaping @Sendable (RedisConnection.Event) -> Void,
        onPush: (@Sendable (RESPValue) -> Void)?
    ) {
        self.commandTimeout = commandTimeout
        self.onEvent = onEvent
        self.onPush = onPush
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = self.unwrapOutboundIn(data)
        guard !self.isClosed else {
            request.replies.fail(.connectionClosed)
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let now = context.eventLoop.now
        self.waiting.append(Waiting(replies: request.replies, writtenAt: now))
        if self.timer == nil { self.armTimer(context: context, deadline: now + self.commandTimeout) }
        context.write(self.wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.isClosed else { return }
        self.lastProgress = context.eventLoop.now
        var answered = false
        do throws(RedisError) {
            try self.reader.feed(self.unwrapInboundIn(data))
            while let reply = try self.reader.next() {
                if let onPush = self.onPush, Self.isPushMessage(reply) {
                    onPush(reply)
                    continue
                }
                guard let first = self.waiting.first else {
                    throw .protocolError("a reply came that no command was waiting for")
                }
                answered = true
                self.deliver(reply, to: first.replies)
            }
        } catch {
            self.fail(context: context, error: error)
            return
        }
        if answered { self.onEvent(.replied) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isClosed = true
        self.failWaiting(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.fail(context: context, error: .connectionClosed)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.isClosed = true
        self.failWaiting(.connectionClosed)
    }

    private func deliver(_ reply: RESPValue, to replies: ReplySink) {
        switch replies {
        case .one(let promise):
            self.waiting.removeFirst()
            if case .error(let message) = reply {
                promise.fail(RedisError.server(message))
            } else {
                promise.succeed(reply)
            }
        case .many(let count, let promise):
            self.collected.append(reply)
            guard self.collected.count == count else { return }
            self.waiting.removeFirst()
            let replies = self.collected
            self.collected = []
            promise.succeed(replies)
        }
    }

    private func armTimer(context: ChannelHandlerContext, deadline: NIODeadline) {
        self.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timer = nil
            self.checkProgress(context: context)
        }
    }

    private func checkProgress(context: ChannelHandlerContext) {
        guard !self.isClosed, let first = self.waiting.first else { return }
        let due = max(first.writtenAt, self.lastProgress) + self.commandTimeout
        guard due <= context.eventLoop.now else {
            self.armTimer(context: context, deadline: due)
            return
        }
        self.onEvent(.timedOut)
        self.fail(context: context, error: .timeout)
    }

    private func fail(context: ChannelHandlerContext, error: RedisError) {
        guard !self.isClosed else { return }
        self.isClosed = true
        self.failWaiting(error)
        context.close(promise: nil)
    }

    private func failWaiting(_ error: RedisError) {
        self.timer?.cancel()
        self.timer = nil
        self.collected = []
        while let entry = self.waiting.popFirst() { entry.replies.fail(error) }
    }

    private static let message = Array("message".utf8)
    private static let patternMessage = Array("pmessage".utf8)

    private static func isPushMessage(_ reply: RESPValue) -> Bool {
        guard case .array(let elements?) = reply, let kind = elements.first?.bytes else { return false }
        return (kind == self.message && elements.count == 3) || (kind == self.patternMessage && elements.count == 4)
    }
}
