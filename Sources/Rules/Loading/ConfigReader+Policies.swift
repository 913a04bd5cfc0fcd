import Yams

extension ConfigReader {
    /// `bypass`, `origin`, or a mapping of TTLs.
    mutating func readCachePolicy(_ node: Node) -> CachePolicy? {
        let expected = "bypass, origin, or a mapping such as { edge_ttl: 30s, browser_ttl: 30s }"
        if case .scalar = node, !Self.isNull(node) {
            guard let word = text(node, "cache", expected: expected) else { return nil }
            switch word {
            case "bypass": return .bypass
            case "origin": return .origin
            default:
                let hint = KeySuggestion.closest(to: word, among: ["bypass", "origin"]).map { " (did you mean \($0)?)" } ?? ""
                report(Self.location(node), "cache \"\(word)\": expected \(expected)\(hint)")
                return nil
            }
        }
        guard case .mapping(let mapping) = node else {
            let got = Self.isNull(node) ? "nothing" : Self.shape(node)
            report(Self.location(node), "cache: expected \(expected), got \(got)")
            return nil
        }
        let fields = fields(of: mapping, in: "cache", known: Self.cacheKeys)
        if mapping.isEmpty {
            report(fields.location, "cache: {} sets nothing: write cache: origin (the default), cache: bypass, or give edge_ttl")
            return nil
        }
        let before = problems.count
        var ttl = CacheTTL()
        if let node = fields["mode"] {
            if let word = text(node, "cache.mode", expected: "override or respect_origin") {
                if let mode = CacheTTL.Mode(rawValue: word) {
                    ttl.mode = mode
                } else {
                    let hint = KeySuggestion.closest(to: word, among: ["override", "respect_origin"]).map { " (did you mean \($0)?)" } ?? ""
                    report(Self.location(node), "cache.mode \"\(word)\": expected override (the rule's TTLs win) or respect_origin (the origin's headers win)\(hint)")
                }
            }
        }
        if let node = fields["edge_ttl"] { ttl.edgeTTL = duration(node, "cache.edge_ttl") }
        // 0 is meaningful here: browsers must revalidate every time (max-age=0).
        if let node = fields["browser_ttl"] { ttl.browserTTL = duration(node, "cache.browser_ttl", allowZero: true) }
        if let node = fields["stale_while_revalidate"] { ttl.staleWhileRevalidate = duration(node, "cache.stale_while_revalidate") }
        if let node = fields["stale_if_error"] { ttl.staleIfError = duration(node, "cache.stale_if_error") }
        if let node = fields["immutable"] { ttl.immutable = boolean(node, "cache.immutable") ?? false }
        if let node = fields["key"], let key = readCacheKey(node) { ttl.key = key }
        if ttl.mode == .override, fields["edge_ttl"] == nil, !fields.isEmpty {
            report(fields.location, "cache.edge_ttl is required with mode: override (the default): add edge_ttl: 30s, or set mode: respect_origin to keep the origin's freshness")
        }
        return problems.count == before ? .ttl(ttl) : nil
    }

    /// `key: { query: sorted, ignore: [utm_source, fbclid] }` or `{ only: [page] }`.
    mutating func readCacheKey(_ node: Node) -> CacheKeyPolicy? {
        guard let mapping = mapping(node, "cache.key", example: "{ query: sorted, ignore: [utm_source, fbclid] }") else { return nil }
        let fields = fields(of: mapping, in: "cache.key", known: Self.cacheKeyKeys)
        let before = problems.count
        var key = CacheKeyPolicy()
        if let node = fields["query"], let word = text(node, "cache.key.query", expected: "all, none or sorted") {
            if let query = CacheKeyPolicy.Query(rawValue: word) {
                key.query = query
            } else {
                let hint = KeySuggestion.closest(to: word, among: CacheKeyPolicy.Query.allCases.map(\.rawValue)).map { " (did you mean \($0)?)" } ?? ""
                report(Self.location(node), "cache.key.query \"\(word)\": expected all (the query as sent), none, or sorted\(hint)")
            }
        }
        if let node = fields["ignore"], let names = textList(node, "cache.key.ignore", expected: "a list of query parameter names") {
            key.ignore = Set(names.map(\.text))
        }
        if let node = fields["only"], let names = textList(node, "cache.key.only", expected: "a list of query parameter names") {
            key.only = Set(names.map(\.text))
            if fields["ignore"] != nil {
                report(Self.location(node), "cache.key: give only or ignore, not both: only keeps the named parameters, ignore drops them")
            }
            if key.query == .none {
                report(Self.location(node), "cache.key: query: none leaves no parameters for only to keep: remove one of them")
            }
        }
        return problems.count == before ? key : nil
    }

    mutating func readLimit(_ node: Node) -> LimitPolicy? {
        guard let mapping = mapping(node, "limit", example: "{ per_ip: 100/min, burst: 20/s }") else { return nil }
        let fields = fields(of: mapping, in: "limit", known: Self.limitKeys)
        let before = problems.count
        var sustained: Rate?
        if let node = fields["per_ip"] {
            sustained = value(node, "limit.per_ip", expected: "a rate such as 100/min") { text in
                Rate.parse(text).flatMap { rate in
                    rate.count >= 1 ? .success(rate) : .failure(ValueSyntaxError("must allow at least 1 request (e.g. 100/min); leave `limit` out for no limit"))
                }
            }
        } else {
            report(fields.location, "limit.per_ip is required: add per_ip: 100/min")
        }
        var policy = LimitPolicy(sustained: sustained ?? Rate(count: 1, per: .minute))
        if let node = fields["burst"] {
            policy.burst = value(node, "limit.burst", expected: "a rate such as 20/s") { text in
                Rate.parse(text).flatMap { rate in
                    if rate.unit != .second {
                        return .failure(ValueSyntaxError("the burst limit counts per second: write COUNT/s (e.g. 20/s)"))
                    }
                    if rate.count < 1 {
                        return .failure(ValueSyntaxError("must be at least 1/s; leave burst out for no burst limit"))
                    }
                    return .success(rate)
                }
            }
        }
        if let node = fields["key"], let word = text(node, "limit.key", expected: "ip, ip_and_path or header:NAME") {
            if let key = Self.limitKey(word) {
                policy.key = key
            } else {
                let hint = KeySuggestion.closest(to: word, among: ["ip", "ip_and_path"]).map { " (did you mean \($0)?)" } ?? ""
                report(Self.location(node), "limit.key \"\(word)\": expected ip, ip_and_path, or header:NAME such as header:X-Api-Key\(hint)")
            }
        }
        if let node = fields["block"] { policy.block = duration(node, "limit.block") }
        if let node = fields["ipv6_prefix"] { policy.ipv6Prefix = integer(node, "limit.ipv6_prefix", in: 1...128) ?? policy.ipv6Prefix }
        return problems.count == before ? policy : nil
    }

    static func limitKey(_ word: String) -> LimitPolicy.Key? {
        switch word {
        case "ip": return .clientIP
        case "ip_and_path": return .clientIPAndPath
        default:
            guard word.hasPrefix("header:") else { return nil }
            let name = word.dropFirst("header:".count).trimmingSpaces
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else { return nil }
            return .header(String(name))
        }
    }
}
