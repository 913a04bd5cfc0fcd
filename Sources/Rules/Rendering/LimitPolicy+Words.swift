extension LimitPolicy {
    /// A short phrase for one-line listings: `100/min per IP, burst 20/s`.
    public var summary: String {
        var parts = ["\(sustained) \(key.phrase)"]
        if let burst { parts.append("burst \(burst)") }
        if let block { parts.append("block \(block.rulesSpelling)") }
        return parts.joined(separator: ", ")
    }
}

extension LimitPolicy.Key {
    /// `per IP`, `per IP and path`, `per X-Api-Key header`.
    public var phrase: String {
        switch self {
        case .clientIP: return "per IP"
        case .clientIPAndPath: return "per IP and path"
        case .header(let name): return "per \(name) header"
        }
    }
}
