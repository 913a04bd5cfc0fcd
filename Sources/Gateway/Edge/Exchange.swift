import NIOCore
import NIOHTTP1
import Rules

/// One request forwarded to the origin: leases a connection, streams the request body up and the
/// response body down with back-pressure both ways, times the origin out, and hands the connection
/// back when both directions are complete.
final class Exchange: OriginResponseSink {
    let plan: ForwardPlan
    private let pipeline: EdgePipeline
    private let client: ExchangeClient
    private let pool: OriginPool
    private let fill: CacheFill?
    /// The origin's response is held for the cache (see `CacheFill.HeadDisposition.absorb`).
    private var absorbing = false
    private var outcome: CacheOutcome?
    /// Compresses (or decodes) the body on its way to the client.
    private var transform: ContentTransform?

    private enum Phase {
        /// Waiting for a connection from the pool; body parts wait in `pending`.
        case leasing
        /// The request is going to the origin, the response not yet complete.
        case exchanging(OriginLease)
        /// Answered (or failed); nothing more goes anywhere.
        case done
    }

    private var phase: Phase = .leasing
    private var pending: [HTTPClientRequestPart] = []
    private(set) var requestComplete = false
    private var requestBodyBytes = 0
    private var sentBody = false
    private var retried = false
    private var responseStarted = false
    private var responseStatus: UInt = 0
    private var responseBytes = 0
    private var closeClientAfter = false
    private var originKeepAlive = true
    private var responseTimer: Scheduled<Void>?
    /// When the origin must have sent something by; activity moves it, the one timer checks it.
    private var responseDeadline = NIODeadline.distantFuture
    private var originStartedAt: NIODeadline?
    private var originHeadAt: NIODeadline?

    init(plan: ForwardPlan, pipeline: EdgePipeline, client: ExchangeClient, pool: OriginPool) {
        self.plan = plan
        self.pipeline = pipeline
        self.client = client
        self.pool = pool
        self.fill = plan.cache.map { CacheFill(plan: $0, cache: pipeline.cache) }
        self.outcome = plan.passOutcome
    }

    /// Client reads wait while there is no connection yet or the origin connection is full.
    var holdsClientReads: Bool {
        switch self.phase {
        case .leasing: return !self.requestComplete && !self.pending.isEmpty
        case .exchanging(let lease): return !self.requestComplete && !lease.connection.isWritable
        case .done: return false
        }
    }

    var originReadsPaused: Bool { !self.absorbing && !self.client.clientIsWritable }

    func begin() {
        self.pool.lease { result in self.leased(result) }
    }

    private func leased(_ result: Result<OriginLease, OriginError>) {
        guard case .leasing = self.phase else {
            // The client left while we waited.
            if case .success(let lease) = result { self.pool.release(lease.connection, reusable: true) }
            return
        }
        switch result {
        case .failure(let error):
            self.fail(error)
        case .success(let lease):
            self.phase = .exchanging(lease)
            lease.connection.handler.attach(self)
            lease.connection.handler.onWritable = { [weak self] in self?.originWritable() }
            self.originStartedAt = .now()
            lease.connection.write(.head(self.plan.originHead(via: self.pipeline.via)))
            for part in self.pending {
                if case .body = part { self.sentBody = true }
                lease.connection.write(part)
            }
            self.pending.removeAll()
            lease.connection.flush()
            if self.requestComplete { self.startResponseTimer() }
            self.client.releaseHeldRead()
        }
    }

    // MARK: request parts from the client

    func requestBody(_ body: ByteBuffer) {
        // Nothing of a later request is ever this one's body (defence in depth: `EdgeHandler` routes parts).
        guard !self.requestComplete else { return }
        self.requestBodyBytes += body.readableBytes
        if self.requestBodyBytes > self.plan.maxBodyBytes {
            self.bodyTooLarge()
            return
        }
        switch self.phase {
        case .leasing:
            self.pending.append(.body(.byteBuffer(body)))
        case .exchanging(let lease):
            self.sentBody = true
            lease.connection.write(.body(.byteBuffer(body)))
        case .done:
            break
        }
    }

    func requestEnd(_ trailers: HTTPHeaders?) {
        guard !self.requestComplete else { return }
        self.requestComplete = true
        switch self.phase {
        case .leasing:
            self.pending.append(.end(nil))
        case .exchanging(let lease):
            lease.connection.writeAndFlush(.end(nil))
            self.startResponseTimer()
        case .done:
            break
        }
    }

    func flushOrigin() {
        if case .exchanging(let lease) = self.phase { lease.connection.flush() }
    }

    private func bodyTooLarge() {
        let message = "the request body is larger than \(ByteCount(bytes: self.plan.maxBodyBytes)) (rule \(self.plan.decision.ruleName))"
        self.cancelOrigin()
        if self.responseStarted {
            self.finish(status: self.responseStatus)
            self.client.abortResponse()
        } else {
            self.answerLocally(LocalResponse(.payloadTooLarge, message, closeConnection: true))
        }
    }

    // MARK: the origin's answer

    func originResponseHead(_ head: HTTPResponseHead) {
        self.originHeadAt = .now()
        self.responseStatus = head.status.code
        self.originKeepAlive = head.isKeepAlive
        self.pipeline.invalidateAfterUnsafe(self.plan, response: head)
        if let fill = self.fill {
            switch fill.responseHead(head) {
            case .absorb:
                self.absorbing = true
                self.startResponseTimer()
                return
            case .stream(let outcome):
                self.outcome = outcome
            }
        } else if let pass = self.outcome {
            self.outcome = pass.with(originStatus: head.status.code)
        }
        self.responseStarted = true
        // A response that ends before the request body does leaves the client stream mid-body: close after.
        let lengthUnknownForOldClient =
            self.plan.clientVersion == .http1_0 && !head.headers.contains(name: "content-length")
        self.closeClientAfter = !self.plan.clientKeepAlive || lengthUnknownForOldClient
        var shaped = self.pipeline.shape(head, for: self.plan, outcome: self.outcome, closeAfter: self.closeClientAfter)
        self.transform = self.pipeline.streamingTransform(for: &shaped, origin: head, plan: self.plan)
        if self.transform != nil && self.plan.clientVersion == .http1_0 {
            // An HTTP/1.0 client gets a length-less body framed by the close.
            self.closeClientAfter = true
            shaped.headers.replaceOrAdd(name: "connection", value: "close")
        }
        self.client.writeResponseHead(shaped)
        self.startResponseTimer()
    }

    func originResponseBody(_ body: ByteBuffer) {
        self.fill?.responseBody(body)
        if !self.absorbing {
            var out = body
            if let transform = self.transform {
                do {
                    out = try transform.transform(body)
                } catch {
                    self.abortMidBody()
                    return
                }
            }
            self.responseBytes += out.readableBytes
            if out.readableBytes > 0 { self.client.writeResponseBody(out) }
        }
        self.startResponseTimer()
    }

    func originReadComplete() {
        self.client.flushClient()
    }

    func originResponseEnd() {
        self.cancelResponseTimer()
        guard case .exchanging(let lease) = self.phase else { return }
        let answer = self.fill?.responseEnd()
        if self.absorbing {
            self.pool.release(lease.connection, reusable: self.originKeepAlive && self.requestComplete)
            self.answerFromCache(answer)
            return
        }
        if let transform = self.transform {
            guard let rest = try? transform.finish() else {
                self.pool.release(lease.connection, reusable: false)
                self.abortMidBody()
                return
            }
            self.responseBytes += rest.readableBytes
            if rest.readableBytes > 0 { self.client.writeResponseBody(rest) }
        }
        if !self.requestComplete {
            // The origin answered before the upload finished: this connection pair cannot be resynchronised.
            self.closeClientAfter = true
            self.pool.release(lease.connection, reusable: false)
        } else {
            self.pool.release(lease.connection, reusable: self.originKeepAlive)
        }
        self.finish(status: self.responseStatus)
        self.client.endResponse(close: self.closeClientAfter)
    }

    func originFailed(_ error: OriginError, responseStarted: Bool) {
        self.cancelResponseTimer()
        guard case .exchanging(let lease) = self.phase else { return }
        self.pool.release(lease.connection, reusable: false)
        if !self.responseStarted, lease.wasReused, !self.retried, !self.sentBody, error == .closedEarly {
            // The origin closed an idle keep-alive connection as we reused it: try once more on a new one.
            self.retried = true
            self.phase = .leasing
            self.pending.insert(contentsOf: self.requestComplete ? [.end(nil)] : [], at: 0)
            self.pool.leaseNew { result in self.leased(result) }
            return
        }
        if self.responseStarted {
            _ = self.fill?.failed()
            self.finish(status: self.responseStatus)
            self.client.abortResponse()
        } else {
            self.fail(error)
        }
    }

    /// The body cannot be finished (a corrupt encoding from the origin): the client sees a closed connection.
    private func abortMidBody() {
        self.cancelResponseTimer()
        if case .exchanging(let lease) = self.phase { self.pool.release(lease.connection, reusable: false) }
        _ = self.fill?.failed()
        self.finish(status: self.responseStatus)
        self.client.abortResponse()
    }

    /// An absorbed response ended: the client is answered from the cache.
    private func answerFromCache(_ answer: CacheFill.Answer?) {
        switch answer {
        case .entry(let entry, let outcome):
            self.outcome = outcome
            self.phase = .done
            self.responseBytes = self.client.serveCached(entry, outcome: outcome, plan: self.plan, pipeline: self.pipeline)
            self.finish(status: self.responseStatus)
        case .passThrough(let head, let body, let outcome):
            self.outcome = outcome
            self.phase = .done
            self.responseStarted = true
            self.closeClientAfter = !self.plan.clientKeepAlive || !self.requestComplete
            self.client.writeResponseHead(self.pipeline.shape(head, for: self.plan, outcome: outcome, closeAfter: self.closeClientAfter))
            self.responseBytes = body.readableBytes
            self.client.writeResponseBody(body)
            self.finish(status: head.status.code)
            self.client.endResponse(close: self.closeClientAfter)
        case nil:
            self.fail(.protocolError("absorbed response without an answer"))
        }
    }

    // MARK: back-pressure

    func clientWritable() {
        if case .exchanging(let lease) = self.phase { lease.connection.handler.resumeReads() }
    }

    private func originWritable() {
        self.client.releaseHeldRead()
    }

    func clientWentAway() {
        self.cancelResponseTimer()
        self.fill?.abandon()
        if case .exchanging(let lease) = self.phase {
            // Cancel the origin request: its connection is mid-exchange and cannot be reused.
            self.pool.release(lease.connection, reusable: false)
        }
        self.phase = .done
    }

    // MARK: endings

    /// Arms (or moves) the origin's response deadline: one scheduled task per exchange, however many
    /// body parts arrive.
    private func startResponseTimer() {
        guard case .exchanging = self.phase, self.requestComplete else { return }
        self.responseDeadline = .now() + TimeAmount(self.pipeline.config.origin.responseTimeout)
        if self.responseTimer == nil { self.armResponseTimer() }
    }

    private func cancelResponseTimer() {
        self.responseTimer?.cancel()
        self.responseTimer = nil
        self.responseDeadline = .distantFuture
    }

    private func armResponseTimer() {
        self.responseTimer = self.pool.eventLoop.assumeIsolated().scheduleTask(deadline: self.responseDeadline) {
            self.responseTimer = nil
            if self.responseDeadline > .now() {
                self.armResponseTimer()
            } else {
                self.responseTimedOut()
            }
        }
    }

    private func responseTimedOut() {
        guard case .exchanging(let lease) = self.phase else { return }
        self.pool.release(lease.connection, reusable: false)
        if self.responseStarted {
            _ = self.fill?.failed()
            self.finish(status: self.responseStatus)
            self.client.abortResponse()
        } else {
            self.fail(.responseTimedOut)
        }
    }

    private func cancelOrigin() {
        self.cancelResponseTimer()
        self.fill?.abandon()
        if case .exchanging(let lease) = self.phase {
            self.pool.release(lease.connection, reusable: false)
        }
        self.phase = .done
    }

    private func fail(_ error: OriginError) {
        self.pipeline.logger.warning(
            "origin failed",
            metadata: [
                "error": "\(error)", "method": "\(self.plan.method.rawValue)", "path": "\(self.plan.target.normalised)",
                "rule": "\(self.plan.decision.ruleName)", "origin": "\(self.pipeline.config.origin.url)",
            ]
        )
        if let stale = self.fill?.failed() {
            // stale-if-error: the stored answer stands in for the failed origin.
            let now = self.pipeline.cache.clock.now()
            self.answerFromCache(.entry(stale, .stale(ttl: stale.freshness.lifetime - stale.age(at: now), originStatus: nil)))
            return
        }
        var response = LocalResponse.forOriginError(error)
        // Reads were held while the request body waited: the rest of it can't be consumed cleanly.
        if !self.requestComplete { response.closeConnection = true }
        self.answerLocally(response)
    }

    private func answerLocally(_ response: LocalResponse) {
        self.phase = .done
        self.pending.removeAll()
        self.responseStatus = response.status.code
        self.responseBytes = self.plan.method == .HEAD ? 0 : response.body.utf8.count
        self.client.writeLocal(response, version: self.plan.clientVersion, keepAlive: self.plan.clientKeepAlive, pipeline: self.pipeline)
        self.finish(status: response.status.code)
    }

    private func finish(status: UInt) {
        self.phase = .done
        let now = NIODeadline.now()
        let originDuration = self.originStartedAt.map { (self.originHeadAt ?? now) - $0 }
        let record = self.pipeline.record(
            self.plan, status: status, bytesOut: self.responseBytes, originDuration: originDuration, outcome: self.outcome, now: now
        )
        self.client.exchangeFinished(self, record: record)
    }
}
