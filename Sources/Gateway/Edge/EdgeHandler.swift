import Logging
import NIOCore
import NIOHTTP1
import Rules

/// The client connection's last handler: runs the `EdgePipeline` for each request and carries out
/// what it decides — a local answer, or an exchange with the origin streamed in both directions with
/// back-pressure — and writes the answer as bytes (`ResponseBytes`).
///
/// Requests are answered one at a time, in order: what a client pipelines behind a request still being
/// answered waits in `queued`, and no more is read until it has been answered (what NIO's
/// `HTTPServerPipelineHandler` did as a handler of its own, on every read and write).
final class EdgeHandler: ChannelDuplexHandler, RemovableChannelHandler, ExchangeClient {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let runtime: GatewayRuntime
    private let pool: OriginPool
    private let clock: ConnectionClock
    private var context: ChannelHandlerContext?
    private var exchange: Exchange?
    /// A request answered locally whose remaining body parts are dropped until its end.
    private var discardingBody = false
    /// A response that closes the connection has been sent: whatever the client sent after it — a
    /// pipelined or smuggled request behind a refused one — is read and dropped, never forwarded.
    private var isClosing = false
    /// A response head went out (streamed from the origin) and its end has not: a parser error now
    /// cannot be answered, only end the connection.
    private var responseOpen = false
    /// A `read` we did not pass on because the origin cannot take more yet.
    private var heldRead = false
    private var peerIP = "0.0.0.0" {
        didSet { self.peerAddress = IPAddress(self.peerIP) }
    }
    /// `peerIP` parsed once for the connection, not once per request (the trusted-proxy check needs it).
    private var peerAddress: IPAddress? = IPAddress("0.0.0.0")
    /// The request being answered.
    private var currentHead: HTTPRequestHead?
    /// Waiting for the limiter's verdict (a shared-store round trip).
    private var limitPending = false
    /// Waiting for L2 (a Redis round trip, or another instance's fill).
    private var sharedPending = false
    /// The key this connection leads a fetch for while it waits on L2: waiters must hear if it goes away.
    private var leadingKey: String?
    private var parked: [HTTPServerRequestPart] = []
    /// A request parked behind another request's fetch of the same key.
    private var waiting: Waiting?
    /// A request's head was read and its end not yet.
    private var requestOpen = false
    /// A request's head was read and its response has not ended.
    private var responsePending = false
    /// How the body of the response going out now is framed.
    private var framing = BodyFraming.none
    /// Pipelined parts of later requests, read while an earlier one was still being answered.
    private var queued = CircularBuffer<HTTPServerRequestPart>()
    /// A parser error behind the queued requests: answered in its turn.
    private var queuedError: HTTPParserError?
    /// `queued` is being replayed (a replayed request may finish at once and replay the next).
    private var replaying = false
    /// The server is shutting down: this connection closes after the response in progress.
    private var quiescing = false

    private final class Waiting {
        let plan: ForwardPlan
        let pipeline: EdgePipeline
        var timeout: Scheduled<Void>?
        init(plan: ForwardPlan, pipeline: EdgePipeline) {
            self.plan = plan
            self.pipeline = pipeline
        }
    }

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
        if self.isClosing { return }
        let part = Self.unwrapInboundIn(data)
        if self.awaitsTurn {
            self.queued.append(part)
            return
        }
        self.dispatch(part, context: context)
    }

    /// A part read now belongs to a later request: the current one has been read to its end and is still
    /// being answered, or earlier parts are still queued.
    private var awaitsTurn: Bool { !self.queued.isEmpty || (self.responsePending && !self.requestOpen) }

    private func dispatch(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            self.requestOpen = true
            self.responsePending = true
            // The previous request has been read and answered: whatever its exchange still does (finishing
            // with the origin), it has nothing more to do with this connection's requests.
            self.exchange = nil
            self.requestHead(head, context: context)
        case .body(let body):
            if self.discardingBody { return }
            if self.isParked {
                self.parked.append(.body(body))
                return
            }
            self.exchange?.requestBody(body)
        case .end(let trailers):
            self.requestOpen = false
            if self.discardingBody {
                self.discardingBody = false
            } else if self.isParked {
                self.clock.requestEnded()
                self.parked.append(.end(trailers))
            } else if let exchange = self.exchange {
                self.clock.requestEnded()
                exchange.requestEnd(trailers)
            }
            // Answered before its end was read (a hit, a refusal): the connection is idle now, or done
            // if the server is shutting down.
            if !self.responsePending {
                if self.quiescing {
                    self.isClosing = true
                    context.close(promise: nil)
                    return
                }
                self.clock.exchangeFinished()
            }
        }
    }

    /// Waiting for the limiter or for another request's fetch: the request's remaining parts wait here
    /// (reads are held, so at most one read's worth) until it is known where they go.
    private var isParked: Bool { self.limitPending || self.sharedPending || self.waiting != nil }

    /// The parts that arrived while parked go to the exchange that now exists, or nowhere.
    private func replayParked() {
        // Parked again (a limit verdict that leads to a coalesced wait): the parts keep waiting.
        guard !self.isParked else { return }
        let parts = self.parked
        self.parked.removeAll()
        for part in parts {
            switch part {
            case .body(let body):
                if !self.discardingBody { self.exchange?.requestBody(body) }
            case .end(let trailers):
                if self.discardingBody {
                    self.discardingBody = false
                } else {
                    self.exchange?.requestEnd(trailers)
                }
            case .head:
                break
            }
        }
        // Answered while its parts were parked: the requests queued behind it go on now.
        if !self.responsePending, let context = self.context { self.replayQueued(context: context) }
        if self.heldRead && !self.isParked { self.releaseHeldRead() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.exchange?.flushOrigin()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.clock.stop()
        self.waiting?.timeout?.cancel()
        self.waiting = nil
        self.limitPending = false
        self.sharedPending = false
        if let key = self.leadingKey {
            self.leadingKey = nil
            self.runtime.cache.coalescer.finish(key, .failed, now: self.runtime.cache.clock.now())
        }
        self.parked.removeAll()
        self.queued.removeAll()
        self.queuedError = nil
        // A client that went away cancels its origin request.
        self.exchange?.clientWentAway()
        self.exchange = nil
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.exchange?.clientWritable() }
        context.fireChannelWritabilityChanged()
    }

    /// What the HTTP parser refused is answered with the status that says why — 431 for an oversized head,
    /// 400 for the rest. Behind requests still being answered, the answer waits its turn; inside a request
    /// whose response is already part-way out, and for any other error, the connection just ends.
    /// (NIO's `HTTPServerProtocolErrorHandler` answers 400 to everything, at once, and as a handler of its
    /// own it sat on the write path of every response.)
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // The decoder stays in its error state after a parser error and reports any later bytes: the
        // error already waiting its turn stands for them.
        if self.queuedError != nil { return }
        guard let parserError = error as? HTTPParserError, !self.isClosing else {
            context.close(promise: nil)
            return
        }
        if !self.requestOpen && (self.responsePending || !self.queued.isEmpty) {
            self.queuedError = parserError
            return
        }
        // Inside a request whose answer is already out (or on its way): no second answer, just the end.
        if self.responseOpen || (self.requestOpen && !self.responsePending) {
            context.close(promise: nil)
            return
        }
        self.answer(parserError)
    }

    private func answer(_ parserError: HTTPParserError) {
        // Framed as the answer to a GET, whatever the request before it was (a HEAD's would carry no body).
        self.currentHead = nil
        let response = parserError == .headerOverflow
            ? LocalResponse(.requestHeaderFieldsTooLarge, "the request head is too large", closeConnection: true)
            : LocalResponse(.badRequest, "malformed HTTP request (\(parserError))", closeConnection: true)
        let pipeline = self.runtime.pipeline
        self.writeLocal(response, version: .http1_1, keepAlive: false, pipeline: pipeline)
        self.runtime.record(pipeline.recordMalformed(response, peerIP: self.peerIP))
    }

    /// Graceful shutdown (`ServerQuiescingHelper`): an idle connection closes now, a busy one after the
    /// response in progress, which says `Connection: close`.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        self.quiescing = true
        self.queued.removeAll()
        self.queuedError = nil
        if !self.responsePending && !self.requestOpen {
            context.close(promise: nil)
        }
    }

    /// Reads go on while a request is answered (a client that leaves is noticed, and the read interest
    /// is not dropped and re-armed around every exchange); they stop once something is queued behind
    /// it, so a pipelining client is buffered for at most one read.
    func read(context: ChannelHandlerContext) {
        if self.isParked || !self.queued.isEmpty || self.queuedError != nil {
            self.heldRead = true
            return
        }
        if let exchange, exchange.holdsClientReads {
            self.heldRead = true
            self.clock.readsHeld()
            return
        }
        context.read()
    }

    /// The origin can take more of the request body, or the connection is ready for the next request.
    func releaseHeldRead() {
        guard self.heldRead, let context, !self.isParked, self.queued.isEmpty, self.queuedError == nil else { return }
        self.heldRead = false
        self.clock.readsResumed(bodyPending: self.exchange?.requestComplete == false)
        context.read()
    }

    /// The response ended: the requests queued behind it are answered in order, until one has to wait.
    private func replayQueued(context: ChannelHandlerContext) {
        // Not while this request's own parked parts are still to be handed out: they are its, not the next's.
        guard !self.replaying, !self.isParked, self.parked.isEmpty else { return }
        self.replaying = true
        defer { self.replaying = false }
        while let part = self.queued.first, !self.isClosing, !(self.responsePending && !self.requestOpen) {
            self.queued.removeFirst()
            self.dispatch(part, context: context)
        }
        if self.queued.isEmpty, !self.responsePending, !self.isClosing, let error = self.queuedError {
            self.queuedError = nil
            self.answer(error)
        }
    }

    // MARK: the walk

    private func requestHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let pipeline = self.runtime.pipeline
        let framing = RequestFraming(head)
        self.clock.headReceived(expectingBody: framing.hasBody)
        self.discardingBody = false
        self.currentHead = head
        let start = pipeline.start(
            head, framing: framing, peerIP: self.peerIP, peerAddress: self.peerAddress, now: .now(), waiter: { self.makeWaiter(context) }
        )
        self.carryOut(start, pipeline: pipeline, context: context)
    }

    private func carryOut(_ start: EdgePipeline.Start, pipeline: EdgePipeline, context: ChannelHandlerContext) {
        switch start {
        case .respond(let response, let record):
            self.discardingBody = true
            let head = self.currentHead
            self.writeLocal(response, version: head?.version ?? .http1_1, keepAlive: head?.isKeepAlive ?? false, pipeline: pipeline)
            self.runtime.record(record)
        case .serve(let entry, let outcome, let plan, let refresh):
            let sent = self.serveCached(entry, outcome: outcome, plan: plan, pipeline: pipeline)
            self.runtime.record(
                pipeline.record(plan, status: entry.status.code, bytesOut: sent, originDuration: nil, outcome: outcome, now: .now())
            )
            if let refresh { self.refreshInBackground(refresh, pipeline: pipeline) }
        case .forward(let plan):
            let exchange = Exchange(plan: plan, pipeline: pipeline, client: self, pool: self.pool)
            self.exchange = exchange
            if plan.expectsContinue {
                var interim = context.channel.allocator.buffer(capacity: 32)
                ResponseBytes.writeStatusLine(version: plan.clientVersion, status: .continue, into: &interim)
                interim.writeStaticString("\r\n")
                context.writeAndFlush(Self.wrapOutboundOut(interim), promise: nil)
            }
            exchange.begin()
        case .limit(let plan, let policy):
            let check = pipeline.limiter.check(
                rule: plan.decision.ruleName, policy: policy, clientIP: plan.identity.clientIP, path: plan.target.path,
                headers: plan.clientHead.headers, now: pipeline.cache.clock.now(), eventLoop: context.eventLoop
            )
            switch check {
            case .decided(let verdict):
                self.limitDecided(verdict, plan: plan, pipeline: pipeline, context: context)
            case .pending(let future):
                self.limitPending = true
                future.assumeIsolated().whenSuccess { verdict in
                    guard self.limitPending, let context = self.context else { return }
                    self.limitPending = false
                    self.limitDecided(verdict, plan: plan, pipeline: pipeline, context: context)
                    self.replayParked()
                }
            }
        case .lookUpShared(let plan, let key):
            guard let shared = pipeline.cache.shared else {
                self.carryOut(pipeline.afterShared(plan, entry: nil, waiter: { self.makeWaiter(context) }), pipeline: pipeline, context: context)
                return
            }
            self.sharedPending = true
            shared.fetch(key, on: context.eventLoop).assumeIsolated().whenComplete { result in
                guard self.sharedPending, let context = self.context else { return }
                self.sharedPending = false
                let entry = (try? result.get()) ?? nil
                self.carryOut(pipeline.afterShared(plan, entry: entry, waiter: { self.makeWaiter(context) }), pipeline: pipeline, context: context)
                self.replayParked()
            }
        case .lockShared(let plan, let key):
            guard let shared = pipeline.cache.shared else {
                self.carryOut(.forward(plan), pipeline: pipeline, context: context)
                return
            }
            self.sharedPending = true
            self.leadingKey = key.primary
            shared.lock(key, on: context.eventLoop).assumeIsolated().whenComplete { result in
                guard self.sharedPending, let context = self.context else { return }
                if (try? result.get()) ?? true {
                    var plan = plan
                    plan.cache?.holdsSharedLock = true
                    self.resumeLeading(.forward(plan), pipeline: pipeline, context: context)
                } else {
                    // Another instance is fetching it: watch L2 for its answer, for a bounded time.
                    let patience = min(TimeAmount(pipeline.config.origin.responseTimeout), .seconds(3))
                    self.watchShared(plan, key: key, shared: shared, until: .now() + patience, pipeline: pipeline)
                }
            }
        case .wait(let plan):
            let waiting = Waiting(plan: plan, pipeline: pipeline)
            // Bounded: if the leader never reports, fetch alone.
            let patience = TimeAmount(pipeline.config.origin.connectTimeout + pipeline.config.origin.responseTimeout)
            waiting.timeout = context.eventLoop.assumeIsolated().scheduleTask(in: patience) { [weak self] in
                self?.resumeWaiting(nil)
            }
            self.waiting = waiting
        }
    }

    /// Step 3's verdict: a 429, or on through the walk.
    private func limitDecided(_ verdict: LimitVerdict, plan: ForwardPlan, pipeline: EdgePipeline, context: ChannelHandlerContext) {
        self.runtime.metrics.limitDecision(rule: plan.decision.ruleName, allowed: verdict.allowed)
        let next = pipeline.afterLimit(plan, verdict: verdict, waiter: { self.makeWaiter(context) })
        self.carryOut(next, pipeline: pipeline, context: context)
    }

    private func makeWaiter(_ context: ChannelHandlerContext) -> Coalescer.Waiter {
        let loop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        return { outcome in loop.execute { handler.value.resumeWaiting(outcome) } }
    }

    /// Polls L2 every 25 ms for the response another instance is fetching; past `deadline`, fetches
    /// anyway (bounded wait), still as this instance's leader for the key.
    private func watchShared(_ plan: ForwardPlan, key: CacheKey, shared: SharedTier, until deadline: NIODeadline, pipeline: EdgePipeline) {
        guard let context else { return }
        context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(25)) {
            guard self.sharedPending, let context = self.context else { return }
            shared.fetch(key, on: context.eventLoop).assumeIsolated().whenComplete { result in
                guard self.sharedPending, let context = self.context else { return }
                if let entry = (try? result.get()) ?? nil, entry.variant.matches(plan.clientHead.headers) {
                    pipeline.cache.memory.insert(entry)
                    self.leadingKey = nil
                    pipeline.cache.coalescer.finish(key.primary, .stored, now: pipeline.cache.clock.now())
                    self.resumeLeading(pipeline.resume(plan, outcome: .stored), pipeline: pipeline, context: context)
                } else if NIODeadline.now() >= deadline || !shared.isAvailable {
                    self.resumeLeading(.forward(plan), pipeline: pipeline, context: context)
                } else {
                    self.watchShared(plan, key: key, shared: shared, until: deadline, pipeline: pipeline)
                }
            }
        }
    }

    private func resumeLeading(_ next: EdgePipeline.Start, pipeline: EdgePipeline, context: ChannelHandlerContext) {
        self.sharedPending = false
        self.leadingKey = nil
        self.carryOut(next, pipeline: pipeline, context: context)
        self.replayParked()
    }

    /// The fetch this request waited for is done (or the wait ran out).
    private func resumeWaiting(_ outcome: Coalescer.Outcome?) {
        guard let waiting = self.waiting, let context else { return }
        self.waiting = nil
        waiting.timeout?.cancel()
        self.carryOut(waiting.pipeline.resume(waiting.plan, outcome: outcome), pipeline: waiting.pipeline, context: context)
        self.replayParked()
    }

    private func refreshInBackground(_ plan: ForwardPlan, pipeline: EdgePipeline) {
        let detached = DetachedClient()
        let exchange = Exchange(plan: plan, pipeline: pipeline, client: detached, pool: self.pool)
        detached.exchange = exchange
        exchange.requestEnd(nil)
        exchange.begin()
    }

    // MARK: used by the exchange

    func writeLocal(_ response: LocalResponse, version: HTTPVersion, keepAlive: Bool, pipeline: EdgePipeline) {
        guard let context else { return }
        var response = response
        if !keepAlive { response.closeConnection = true }
        var body = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        body.writeString(response.body)
        self.writeHead(response.head(version: version, via: pipeline.via), body: body, context: context)
        self.finishResponse(close: response.closeConnection, context: context)
    }

    @discardableResult
    func serveCached(_ entry: CachedResponse, outcome: CacheOutcome, plan: ForwardPlan, pipeline: EdgePipeline) -> Int {
        guard let context else { return 0 }
        let close = !plan.clientKeepAlive || (self.exchange != nil && self.exchange?.requestComplete == false)
        let memory = pipeline.cache.memory
        let encoding = CachedHead.Encoding(
            config: pipeline.config.compression, allowed: plan.decision.compress, charge: { memory.charge(entry, bytes: $0) }
        )
        let now = pipeline.cache.clock.now()
        let browser = plan.cache?.browser ?? BrowserPolicy(plan.decision.cache)
        if let bytes = CachedHead.bytes(
            entry, outcome: outcome, now: now, request: plan.clientHead, browser: browser, limit: plan.limit, encoding: encoding,
            via: pipeline.via, close: close || self.quiescing, allocator: context.channel.allocator
        ) {
            self.framing = plan.clientHead.method == .HEAD ? .none : .length
            context.write(Self.wrapOutboundOut(bytes.head), promise: nil)
            if let body = bytes.body { self.writeStored(body, context: context) }
            self.finishResponse(close: close, context: context)
            return bytes.bodyBytes
        }
        let (head, body) = CachedHead.make(
            entry, outcome: outcome, now: now, request: plan.clientHead, browser: browser, limit: plan.limit, encoding: encoding,
            via: pipeline.via, close: close
        )
        var sent = 0
        switch body {
        case .whole(.buffer(let buffer)), .range(let buffer):
            self.writeHead(head, body: buffer, context: context)
            if self.framing != .none { sent = buffer.readableBytes }
        case .whole(let stored):
            self.writeHead(head, body: nil, context: context)
            if self.framing != .none {
                self.writeStored(stored, context: context)
                sent = stored.length
            }
        case .none:
            self.writeHead(head, body: nil, context: context)
        }
        self.finishResponse(close: close, context: context)
        return sent
    }

    /// A stored body after its head: the buffer, or the memory file with sendfile. Each file write gets its
    /// own handle over the shared descriptor, given back (and the body let go) when the write is done.
    private func writeStored(_ body: StoredBody, context: ChannelHandlerContext) {
        switch body {
        case .buffer(let buffer):
            context.write(Self.wrapOutboundOut(buffer), promise: nil)
        case .spooled(let file):
            let (region, release) = file.region()
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenComplete { _ in release() }
            context.write(NIOAny(IOData.fileRegion(region)), promise: written)
        }
    }

    /// Frames `head` for the request it answers and writes it, with `body` when the whole body is known.
    private func writeHead(_ head: HTTPResponseHead, body: ByteBuffer?, context: ChannelHandlerContext) {
        var head = head
        if self.quiescing { head.headers.replaceOrAdd(name: "connection", value: "close") }
        self.framing = ResponseBytes.frame(&head, method: self.currentHead?.method ?? .GET)
        var buffer = context.channel.allocator.buffer(capacity: 384 + min(body?.readableBytes ?? 0, PreparedHead.inlineBody))
        ResponseBytes.write(head, into: &buffer)
        guard var body, body.readableBytes > 0 else {
            context.write(Self.wrapOutboundOut(buffer), promise: nil)
            return
        }
        if body.readableBytes <= PreparedHead.inlineBody && self.framing == .length {
            buffer.writeBuffer(&body)
            context.write(Self.wrapOutboundOut(buffer), promise: nil)
            return
        }
        context.write(Self.wrapOutboundOut(buffer), promise: nil)
        self.writeBody(body, context: context)
    }

    private func writeBody(_ body: ByteBuffer, context: ChannelHandlerContext) {
        switch self.framing {
        case .length, .untilClose:
            context.write(Self.wrapOutboundOut(body), promise: nil)
        case .chunked:
            guard body.readableBytes > 0 else { return }
            var start = context.channel.allocator.buffer(capacity: 12)
            ResponseBytes.writeChunkStart(size: body.readableBytes, into: &start)
            context.write(Self.wrapOutboundOut(start), promise: nil)
            context.write(Self.wrapOutboundOut(body), promise: nil)
            context.write(Self.wrapOutboundOut(ResponseBytes.chunkEnd), promise: nil)
        case .none:
            break
        }
    }

    func writeResponseHead(_ head: HTTPResponseHead) {
        guard let context else { return }
        self.responseOpen = true
        self.writeHead(head, body: nil, context: context)
    }

    func writeResponseBody(_ body: ByteBuffer) {
        guard let context else { return }
        self.writeBody(body, context: context)
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
        self.runtime.record(record)
        self.releaseHeldRead()
    }

    func closeClient() { self.context?.close(promise: nil) }

    private func finishResponse(close: Bool, context: ChannelHandlerContext) {
        self.responseOpen = false
        self.responsePending = false
        let end = self.framing == .chunked ? ResponseBytes.lastChunk : ByteBuffer()
        let endsWithConnection = self.framing == .untilClose
        self.framing = .none
        if close || endsWithConnection || self.quiescing {
            self.isClosing = true
            self.queued.removeAll()
            context.writeAndFlush(Self.wrapOutboundOut(end)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            return
        }
        if end.readableBytes > 0 { context.write(Self.wrapOutboundOut(end), promise: nil) }
        context.flush()
        if !self.requestOpen { self.clock.exchangeFinished() }
        guard !self.queued.isEmpty || self.queuedError != nil else {
            self.releaseHeldRead()
            return
        }
        // The next request starts on the loop's next turn, once whatever answered this one (a coalesced
        // wait, a limit verdict, an exchange) has finished with it and with its parked parts.
        context.eventLoop.assumeIsolated().execute {
            guard self.context != nil else { return }
            self.replayQueued(context: context)
            self.releaseHeldRead()
        }
    }
}
