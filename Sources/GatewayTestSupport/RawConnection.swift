import NIOCore
import NIOPosix

/// A TCP connection that sends exactly the bytes given: for requests an HTTP client would refuse to
/// send (malformed, oversized, slow).
public final class RawConnection {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let channel: Channel
    private var received = ByteBuffer()

    /// Opens a connection, runs `body` with it, and closes it. `from` picks the local address (any of
    /// 127.0.0.0/8 on Linux), to look like another client.
    public static func with<T: Sendable>(
        host: String = "127.0.0.1", port: Int, from localHost: String? = nil, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (RawConnection) async throws -> T
    ) async throws -> T {
        var bootstrap = ClientBootstrap(group: group).channelOption(.allowRemoteHalfClosure, value: true)
        if let localHost {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: localHost, port: 0))
        }
        let channel = try await bootstrap
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let raw = channel.channel
        return try await channel.executeThenClose { inbound, outbound in
            try await body(RawConnection(inbound.makeAsyncIterator(), outbound, raw))
        }
    }

    private init(
        _ inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        _ channel: Channel
    ) {
        self.inbound = inbound
        self.outbound = outbound
        self.channel = channel
    }

    public func send(_ text: String) async throws {
        try await self.outbound.write(ByteBuffer(string: text))
    }

    public func send(_ buffer: ByteBuffer) async throws {
        try await self.outbound.write(buffer)
    }

    /// Everything the server sends until it closes the connection, or until `timeout`.
    /// `closed` says whether the server closed it.
    public func readUntilClose(timeout: Double = 5) async -> (text: String, closed: Bool) {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            switch await self.readOnce(until: deadline) {
            case .data: continue
            case .closed: return (String(buffer: self.received), true)
            case .timedOut: return (String(buffer: self.received), false)
            }
        }
        return (String(buffer: self.received), false)
    }

    /// Everything received until `marker` appears (true), the server closes, or `timeout` passes (false).
    public func readUntil(_ marker: String, timeout: Double = 10) async -> (text: String, found: Bool) {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline, !String(buffer: self.received).contains(marker) {
            guard case .data = await self.readOnce(until: deadline) else { break }
        }
        let text = String(buffer: self.received)
        return (text, text.contains(marker))
    }

    private enum ReadResult {
        case data
        case closed
        case timedOut
    }

    /// One read into `received`, racing `deadline`.
    private func readOnce(until deadline: ContinuousClock.Instant) async -> ReadResult {
        let box = RawIteratorBox(self.inbound)
        let part: ByteBuffer?
        do {
            part = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await box.next() }
                group.addTask {
                    try await Task.sleep(until: deadline)
                    throw TestTimeout(what: "raw read")
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch is TestTimeout {
            self.inbound = box.iterator
            return .timedOut
        } catch {
            return .closed
        }
        self.inbound = box.iterator
        guard var part else { return .closed }
        self.received.writeBuffer(&part)
        return .data
    }

    /// Whether the server has closed the connection within `timeout`.
    public func isClosedByServer(within timeout: Double) async -> Bool {
        await self.readUntilClose(timeout: timeout).closed
    }

    public func close() async {
        try? await self.channel.close()
    }
}

private final class RawIteratorBox: @unchecked Sendable {
    // @unchecked: one reader at a time.
    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { self.iterator = iterator }
    func next() async throws -> ByteBuffer? { try await self.iterator.next() }
}
