import NIOConcurrencyHelpers
import NIOCore
import Rules

/// Open client connections, capped in total by `server.max_connections` and per client address by
/// `server.max_connections_per_ip` (trusted proxies, which carry many clients, are exempt). A
/// connection past either cap is closed at once, before any byte is read.
final class ConnectionCap: Sendable {
    private struct Counts {
        var total = 0
        var perIP: [IPAddress: Int] = [:]
    }

    enum Admission: Equatable {
        case admitted
        case overTotal
        case overPerIP
    }

    private let counts = NIOLockedValueBox(Counts())
    let limit: Int
    let perIPLimit: Int
    private let exempt: [CIDR]

    init(limit: Int, perIPLimit: Int, exempt: [CIDR]) {
        self.limit = limit
        self.perIPLimit = perIPLimit
        self.exempt = exempt
    }

    /// Counts the channel in, or says which cap it is over (the caller closes it).
    func admit(_ channel: Channel) -> Admission {
        let peer = channel.remoteAddress?.ipAddress.flatMap { IPAddress($0) }
        let counted = peer.flatMap { address in self.exempt.contains { $0.contains(address) } ? nil : address }
        let admission = self.counts.withLockedValue { counts -> Admission in
            guard counts.total < self.limit else { return .overTotal }
            if let counted {
                let open = counts.perIP[counted, default: 0]
                guard open < self.perIPLimit else { return .overPerIP }
                counts.perIP[counted] = open + 1
            }
            counts.total += 1
            return .admitted
        }
        if admission == .admitted {
            channel.closeFuture.whenComplete { _ in
                self.counts.withLockedValue { counts in
                    counts.total -= 1
                    if let counted {
                        let open = counts.perIP[counted, default: 1] - 1
                        counts.perIP[counted] = open > 0 ? open : nil
                    }
                }
            }
        }
        return admission
    }

    var current: Int { self.counts.withLockedValue { $0.total } }
}
