extension CachePolicy {
    /// A short phrase for one-line listings: `bypass`, `origin headers (RFC 9111)`,
    /// `edge 30s, browser 30s, stale-while-revalidate 60s, stale-if-error 1d`.
    public var summary: String {
        switch self {
        case .bypass:
            return "bypass"
        case .origin:
            return "origin headers (RFC 9111)"
        case .ttl(let ttl):
            var parts: [String] = []
            switch (ttl.mode, ttl.edgeTTL) {
            case (.override, let edge?): parts.append("edge \(edge.rulesSpelling)")
            case (.respectOrigin, let edge?): parts.append("origin's TTL, else edge \(edge.rulesSpelling)")
            case (_, nil): parts.append("origin's TTL")
            }
            if let browser = ttl.browserTTL { parts.append("browser \(browser.rulesSpelling)") }
            if let swr = ttl.staleWhileRevalidate { parts.append("stale-while-revalidate \(swr.rulesSpelling)") }
            if let sie = ttl.staleIfError { parts.append("stale-if-error \(sie.rulesSpelling)") }
            if ttl.immutable { parts.append("immutable") }
            if !ttl.key.isDefault { parts.append("key: \(ttl.key.summary)") }
            return parts.joined(separator: ", ")
        }
    }
}
