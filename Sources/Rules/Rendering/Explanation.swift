/// What `gateway explain` prints: which rule a request meets and, in plain words, what the gateway will do
/// with it. Pure: it contacts nothing.
public enum Explanation {
    /// `request.path` should be normalised (`RequestTarget.parse`); `headers` are the request's fields,
    /// of which Accept-Encoding decides compression.
    public static func render(config: GatewayConfig, request: RequestFacts, headers: [(String, String)]) -> String {
        let decision = config.decide(request)
        var lines = AlignedLines()
        let target = request.query.map { "\(request.path)?\($0)" } ?? request.path
        lines.add("request", "\(request.method) \(target)" + (request.host.isEmpty ? "" : " (host \(request.host))"))
        if let index = decision.ruleIndex {
            let rule = config.rules[index]
            let location = rule.location == .unknown ? "" : ", at \(rule.location)"
            lines.add("rule", "\(rule.name) (rule \(index + 1) of \(config.rules.count)\(location)): \(rule.match.summary)")
        } else {
            lines.add("rule", "\(Decision.defaultRuleName): no rule matches")
        }
        for (key, value) in cacheLines(decision.cache, method: request.method) { lines.add(key, value) }
        for (key, value) in limitLines(decision.limit, sharedViaRedis: config.redis != nil) { lines.add(key, value) }
        let bodySource = decision.ruleIndex.flatMap { config.rules[$0].maxBody } == nil ? "server.max_body" : "this rule's max_body"
        lines.add("body", "up to \(decision.maxBody) (\(bodySource)); larger is refused with 413")
        lines.add("compression", compressionLine(decision: decision, config: config.compression, headers: headers))
        return lines.rendered()
    }

    static func cacheLines(_ policy: CachePolicy, method: String) -> [(String, String)] {
        switch method {
        case "GET":
            break
        case "HEAD":
            if policy != .bypass { return [("method", "HEAD is answered from the GET entry, without a body")] + policyLines(policy) }
        case "OPTIONS", "TRACE":
            return [("cache", "not cached: \(method) goes to the origin (only GET and HEAD are served from cache)")]
        default:
            let invalidates = policy == .bypass ? "" : "; a success invalidates what is stored for this URL"
            return [("cache", "not cached: \(method) is an unsafe method and always goes to the origin\(invalidates)")]
        }
        return policyLines(policy)
    }

    static func policyLines(_ policy: CachePolicy) -> [(String, String)] {
        switch policy {
        case .bypass:
            return [("cache", "bypass: never stored, never served from cache (X-Cache: BYPASS)")]
        case .origin:
            return [("cache", "stored by the origin's headers per RFC 9111 (Cache-Control, Expires, Vary); nothing more, nothing less")]
        case .ttl(let ttl):
            var lines: [(String, String)] = []
            switch (ttl.mode, ttl.edgeTTL) {
            case (.override, let edge?):
                lines.append(("cache", "stored for \(edge.rulesSpelling) at the edge, overriding the origin's Cache-Control"))
            case (.respectOrigin, let edge?):
                lines.append(("cache", "stored for as long as the origin's headers allow; \(edge.rulesSpelling) at the edge when they say nothing"))
            case (_, nil):
                lines.append(("cache", "stored for as long as the origin's headers allow (RFC 9111)"))
            }
            var browser = ttl.browserTTL.map { "told to keep it \($0.rulesSpelling) (max-age=\($0.wholeSeconds))" } ?? "the origin's Cache-Control is passed on"
            if ttl.immutable { browser += ", immutable: no revalidation while fresh" }
            lines.append(("browser", browser))
            if let swr = ttl.staleWhileRevalidate {
                lines.append(("stale", "served up to \(swr.rulesSpelling) past its TTL while one background fetch refreshes it"))
            }
            if let sie = ttl.staleIfError {
                lines.append(("on error", "served up to \(sie.rulesSpelling) stale when the origin fails or times out"))
            }
            if !ttl.key.isDefault {
                lines.append(("cache key", "host + path + \(ttl.key.summary) (the origin still gets the whole query)"))
            }
            return lines
        }
    }

    static func limitLines(_ limit: LimitPolicy?, sharedViaRedis: Bool) -> [(String, String)] {
        guard let limit else { return [("limit", "none")] }
        let scope = sharedViaRedis ? "sustained limit shared via Redis" : "per instance (memory only)"
        let keyWords: String
        switch limit.key {
        case .clientIP: keyWords = "per client IP (IPv6 grouped by /\(limit.ipv6Prefix))"
        case .clientIPAndPath: keyWords = "per client IP and path (IPv6 grouped by /\(limit.ipv6Prefix))"
        case .header(let name): keyWords = "per \(name) header (client IP when it is absent)"
        }
        var lines = [("limit", "\(limit.sustained) \(keyWords), \(scope)")]
        if let burst = limit.burst {
            lines.append(("burst", "\(burst) in memory on each instance"))
        }
        if let block = limit.block {
            lines.append(("block", "once over the limit, refused for \(block.rulesSpelling)"))
        }
        lines.append(("over limit", "429 Too Many Requests with Retry-After"))
        return lines
    }

    static func compressionLine(decision: Decision, config: CompressionConfig, headers: [(String, String)]) -> String {
        guard decision.compress else { return "off for this rule: bodies are sent as the origin sent them" }
        guard !config.types.isEmpty else { return "off: compression.types lists no media types" }
        let values = headers.filter { $0.0.lowercased() == "accept-encoding" }.map(\.1)
        let accept = AcceptEncoding(headers: headers)
        let types = config.types.map(\.description).joined(separator: ", ")
        let scope = "for \(types) of \(config.minSize) or more"
        guard !values.isEmpty else { return "identity: the request has no Accept-Encoding" }
        let said = "Accept-Encoding: \(values.joined(separator: ", "))"
        switch accept.preferred {
        case .brotli?: return "br \(scope) (\(said))"
        case .gzip?: return "gzip \(scope) (\(said))"
        case .identity?:
            let reason = accept.brotli > 0 || accept.gzip > 0 ? "the client weights it above br and gzip" : "neither br nor gzip is accepted"
            return "identity: \(reason) (\(said))"
        case nil: return "identity: \(said) refuses every coding, so the body is sent uncompressed"
        }
    }
}
