import NIOHTTP1

/// Headers that belong to one connection and never cross the proxy (RFC 9110 7.6.1), plus whatever
/// the message's own Connection header names.
enum HopByHop {
    static let names: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade",
    ]

    static func strip(_ headers: inout HTTPHeaders) {
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
        if headers.contains(where: { $0.name.utf8.count > 6 && $0.name.lowercased().hasPrefix("proxy-") }) {
            let proxyNames = headers.map(\.name).filter { $0.lowercased().hasPrefix("proxy-") }
            for name in proxyNames { headers.remove(name: name) }
        }
    }
}
