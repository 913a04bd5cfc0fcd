import NIOHTTP1
import Rules

/// Where a response is filed: the key namespace (version, so everything can be dropped at once), the
/// host without port, the normalised path and the query as sent. GET and HEAD share it.
@_spi(Benchmarks) public struct CacheKey: Sendable, Hashable {
    let primary: String

    @_spi(Benchmarks) public init(version: UInt64, host: String, target: RequestTarget, policy: CacheKeyPolicy = CacheKeyPolicy()) {
        let query = policy.keyQuery(target.query)
        // One allocation: the key's whole length reserved before it is written.
        var primary = ""
        primary.reserveCapacity(24 + host.utf8.count + target.path.utf8.count + (query.map { $0.utf8.count + 1 } ?? 0))
        primary += "v"
        primary += String(version)
        primary += "|"
        primary += host
        primary += "|"
        primary += target.path
        if let query {
            primary += "?"
            primary += query
        }
        self.primary = primary
    }

    init(primary: String) { self.primary = primary }
}

/// The request header values that a response's `Vary` names, normalised so that equivalent requests
/// share an entry: Accept-Encoding is reduced to the coding the gateway would pick (br, gzip, identity).
struct VariantKey: Sendable, Hashable {
    /// Lower-cased field names, in the response's order.
    let names: [String]
    let values: [String]

    static let none = VariantKey(names: [], values: [])

    init(names: [String], values: [String]) {
        self.names = names
        self.values = values
    }

    /// The values this request has for `names`.
    init(names: [String], request: HTTPHeaders) {
        self.names = names
        self.values = names.map { VariantKey.normalisedValue(name: $0, request: request) }
    }

    static func normalisedValue(name: String, request: HTTPHeaders) -> String {
        let values = request[canonicalForm: name]
        if name == "accept-encoding" {
            let joined = values.joined(separator: ",")
            return AcceptEncoding(joined.isEmpty ? nil : joined).preferred?.rawValue ?? "identity"
        }
        return values.map { $0.lowercased() }.joined(separator: ",")
    }

    func matches(_ request: HTTPHeaders) -> Bool {
        for (index, name) in self.names.enumerated() where VariantKey.normalisedValue(name: name, request: request) != self.values[index] {
            return false
        }
        return true
    }
}
