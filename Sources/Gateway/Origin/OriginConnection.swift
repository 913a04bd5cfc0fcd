import NIOCore
import NIOHTTP1

/// One keep-alive HTTP/1.1 connection to the origin, owned by the `OriginPool` of its event loop.
final class OriginConnection {
    let channel: Channel
    let handler: OriginResponseHandler
    /// Requests this connection has carried; more than one means keep-alive reuse.
    var requestCount = 0
    var idleTimer: Scheduled<Void>?
    var isOpen = true

    init(channel: Channel, handler: OriginResponseHandler) {
        self.channel = channel
        self.handler = handler
    }

    func write(_ part: HTTPClientRequestPart) {
        self.channel.write(part, promise: nil)
    }

    func writeAndFlush(_ part: HTTPClientRequestPart) {
        self.channel.writeAndFlush(part, promise: nil)
    }

    func flush() { self.channel.flush() }

    var isWritable: Bool { self.channel.isWritable }

    func close() {
        guard self.isOpen else { return }
        self.isOpen = false
        self.idleTimer?.cancel()
        self.channel.close(promise: nil)
    }
}

/// A connection handed to one exchange, and whether it had served a request before (a reused
/// connection may have been closed by the origin in the meantime, so a request that failed on it
/// before any byte came back may be retried once on a new one).
struct OriginLease {
    let connection: OriginConnection
    let wasReused: Bool
}
