import NIOCore
import Rules

/// The client connection's timers: idle between requests, header read, and body read. One per
/// connection, on its event loop. Activity only moves a deadline; a single timer checks it, so a
/// busy connection does not re-arm a timer per read.
final class ConnectionClock {
    enum Phase {
        /// Between requests: `idle_timeout`.
        case idle
        /// The first bytes of a head arrived: the whole head within `header_timeout`.
        case readingHead
        /// The client is sending a body: each read within `body_timeout` of the last.
        case readingBody
        /// The gateway is answering (or holding reads for back-pressure): no client timer.
        case answering
    }

    private let limits: ServerLimits
    private let channel: Channel
    private(set) var phase: Phase = .idle
    private var deadline: NIODeadline = .distantFuture
    private var timer: Scheduled<Void>?
    private var armedAt: NIODeadline = .distantFuture

    init(channel: Channel, limits: ServerLimits) {
        self.channel = channel
        self.limits = limits
    }

    func start() { self.enter(.idle) }

    func bytesArrived() {
        switch self.phase {
        case .idle: self.enter(.readingHead)
        case .readingBody: self.deadline = .now() + TimeAmount(self.limits.bodyTimeout)
        case .readingHead, .answering: break
        }
    }

    func headReceived(expectingBody: Bool) { self.enter(expectingBody ? .readingBody : .answering) }

    func requestEnded() { self.enter(.answering) }

    /// Reads are held while the origin cannot take more; the client is not slow then.
    func readsHeld() {
        if self.phase == .readingBody { self.enter(.answering) }
    }

    func readsResumed(bodyPending: Bool) {
        if bodyPending && self.phase == .answering { self.enter(.readingBody) }
    }

    func exchangeFinished() { self.enter(.idle) }

    func stop() {
        self.timer?.cancel()
        self.timer = nil
        self.deadline = .distantFuture
    }

    private func enter(_ phase: Phase) {
        self.phase = phase
        let timeout: Duration?
        switch phase {
        case .idle: timeout = self.limits.idleTimeout
        case .readingHead: timeout = self.limits.headerTimeout
        case .readingBody: timeout = self.limits.bodyTimeout
        case .answering: timeout = nil
        }
        guard let timeout else {
            self.deadline = .distantFuture
            return
        }
        self.deadline = .now() + TimeAmount(timeout)
        if self.timer == nil || self.armedAt > self.deadline {
            self.timer?.cancel()
            self.arm(at: self.deadline)
        }
    }

    private func arm(at deadline: NIODeadline) {
        self.armedAt = deadline
        self.timer = self.channel.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timer = nil
            self.fire()
        }
    }

    private func fire() {
        guard self.deadline != .distantFuture else { return }
        if self.deadline <= .now() {
            // Slowloris, a stalled upload, or an idle keep-alive: close; other clients are unaffected.
            self.channel.close(promise: nil)
        } else {
            self.arm(at: self.deadline)
        }
    }
}

/// First in the client pipeline: tells the clock that bytes arrived, before any decoding.
final class ClientReadObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let clock: ConnectionClock

    init(clock: ConnectionClock) { self.clock = clock }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.clock.bytesArrived()
        context.fireChannelRead(data)
    }
}
