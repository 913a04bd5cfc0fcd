import NIOHTTP1

/// Headers that belong to one connection and never cross the proxy (RFC 9110 7.6.1), plus whatever
/// the message's own Connection header names.
enum HopByHop {
    static let names: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade",
    ]

    static func strip(_ headers: inout HTTPHeaders) {
        // Most messages carry none: one pass, no allocation, and nothing to remove.
        guard headers.contains(where: { Self.isHopByHop($0.name) }) else { return }
        var named: [String] = []
        for value in headers[canonicalForm: "connection"] {
            named.append(value.lowercased())
        }
        headers.remove(name: "connection")
        for name in named where !name.isEmpty {
            headers.remove(name: name)
        }
        for name in Self.names where headers.contains(name: name) {
            headers.remove(name: name)
        }
        // Any other Proxy-* header is for this hop too.
        guard headers.contains(where: { Self.hasProxyPrefix($0.name) }) else { return }
        if headers.contains(where: { $0.name.utf8.count > 6 && $0.name.lowercased().hasPrefix("proxy-") }) {
            let proxyNames = headers.map(\.name).filter { $0.lowercased().hasPrefix("proxy-") }
            for name in proxyNames { headers.remove(name: name) }
        }
    }
}

extension HopByHop {
    /// Case-insensitive, on the bytes: `Connection`, `Keep-Alive`, `TE`, ... or `Proxy-*`.
    static func isHopByHop(_ name: String) -> Bool {
        let count = name.utf8.count
        guard count == 2 || (count >= 7 && count <= 19) else { return false }
        return Self.hasProxyPrefix(name) || Self.names.contains(where: { $0.utf8.count == count && Self.equalsLowercase(name, $0) })
    }

    static func hasProxyPrefix(_ name: String) -> Bool {
        let prefix = "proxy-".utf8
        var index = name.utf8.startIndex
        for expected in prefix {
            guard index != name.utf8.endIndex else { return false }
            let byte = name.utf8[index]
            guard byte | 0x20 == expected else { return false }
            index = name.utf8.index(after: index)
        }
        return true
    }

    /// `name` equals the lower-case ASCII `lower`, ignoring case.
    static func equalsLowercase(_ name: String, _ lower: String) -> Bool {
        guard name.utf8.count == lower.utf8.count else { return false }
        for (a, b) in zip(name.utf8, lower.utf8) where a != b && (a | 0x20) != b {
            return false
        }
        return true
    }
}
