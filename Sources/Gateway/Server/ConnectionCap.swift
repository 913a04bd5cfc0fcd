import NIOConcurrencyHelpers
import NIOCore

/// The total number of open client connections, capped by `server.max_connections`: a connection past
/// the cap is closed at once, before any byte is read.
final class ConnectionCap: Sendable {
    private let open = NIOLockedValueBox(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Counts the channel in; false when the cap is reached (the caller closes it).
    func admit(_ channel: Channel) -> Bool {
        let admitted = self.open.withLockedValue { count -> Bool in
            guard count < self.limit else { return false }
            count += 1
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { _ in self.open.withLockedValue { $0 -= 1 } }
        }
        return admitted
    }

    var current: Int { self.open.withLockedValue { $0 } }
}
