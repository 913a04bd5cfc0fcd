import NIOHTTP1
import Rules

/// Step 1 of the walk: who is asking. The socket peer, or, only when the peer is a trusted proxy, the
/// rightmost address in X-Forwarded-For that is not itself a trusted proxy. A client cannot escape its
/// limits by sending its own X-Forwarded-For: an untrusted peer's header is ignored.
struct ClientIdentity: Sendable {
    /// The address limits and logs speak of.
    let clientIP: String
    /// The socket peer.
    let peerIP: String

    /// `peerAddress` is `peerIP` parsed, once per connection by the caller (nil if it is not an address).
    static func resolve(peerIP: String, peerAddress: IPAddress?, headers: HTTPHeaders, trustedProxies: [CIDR]) -> ClientIdentity {
        guard !trustedProxies.isEmpty, let peerAddress, Self.isTrusted(peerAddress, trustedProxies) else {
            return ClientIdentity(clientIP: peerIP, peerIP: peerIP)
        }
        var chain: [String] = []
        for value in headers[canonicalForm: "x-forwarded-for"] {
            chain.append(String(value).trimmingCharacters(in: " \t"))
        }
        if chain.isEmpty {
            chain = Self.forwardedFor(headers)
        }
        // Walk from the nearest hop outwards; the first address we do not trust is the client.
        var client = peerIP
        for candidate in chain.reversed() {
            guard let address = IPAddress(candidate) else { break }
            client = address.description
            if !Self.isTrusted(address, trustedProxies) { break }
        }
        return ClientIdentity(clientIP: client, peerIP: peerIP)
    }

    private static func isTrusted(_ address: IPAddress, _ proxies: [CIDR]) -> Bool {
        proxies.contains { $0.contains(address) }
    }

    /// `Forwarded: for=192.0.2.60;proto=http, for="[2001:db8::1]:4711"` (RFC 7239), in order.
    private static func forwardedFor(_ headers: HTTPHeaders) -> [String] {
        var result: [String] = []
        for element in headers[canonicalForm: "forwarded"] {
            for pair in element.split(separator: ";") {
                let trimmed = String(pair).trimmingCharacters(in: " \t")
                guard trimmed.lowercased().hasPrefix("for=") else { continue }
                var value = Substring(trimmed.dropFirst(4))
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
                if value.hasPrefix("[") {
                    if let close = value.firstIndex(of: "]") { value = value[value.index(after: value.startIndex)..<close] }
                } else if let colon = value.firstIndex(of: ":"), value.firstIndex(of: ":") == value.lastIndex(of: ":") {
                    value = value[..<colon]
                }
                result.append(String(value))
            }
        }
        return result
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
