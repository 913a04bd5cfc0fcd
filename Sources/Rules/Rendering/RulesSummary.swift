/// The one-screen summary `gateway check` prints for a valid rules file.
public enum RulesSummary {
    public static func render(_ config: GatewayConfig) -> String {
        var lines = AlignedLines()
        lines.add("listen", config.listen.description)
        lines.add("admin", config.admin.description)
        let origin = config.origin
        lines.add("origin", "\(origin.url) (connect \(origin.connectTimeout.rulesSpelling), response \(origin.responseTimeout.rulesSpelling), up to \(origin.maxConnections) connections)")
        if let redis = config.redis {
            lines.add("redis", "\(redis.redactedURL): cache L2 and sustained limits shared by every instance")
        } else {
            lines.add("redis", "none: memory only (cache and limits per instance)")
        }
        lines.add("cache", "\(config.cache.memory) in memory, objects up to \(config.cache.maxObject)")
        let proxies = config.clients.trustedProxies
        lines.add("proxies", proxies.isEmpty ? "none trusted: X-Forwarded-For ignored" : "X-Forwarded-For trusted from " + proxies.map(\.description).joined(separator: ", "))
        lines.add("compression", compressionSummary(config.compression))
        lines.add("limits", "header \(config.server.maxHeaderBytes), URI \(config.server.maxURIBytes), body \(config.server.maxBodyBytes), \(config.server.maxConnections) connections")
        lines.add("rules", config.rules.isEmpty ? "none: every request is cached by the origin's headers" : "\(config.rules.count), first match wins")

        var table = Columns()
        for (index, rule) in config.rules.enumerated() {
            var cells = ["\(index + 1)", rule.name, rule.match.summary, rule.cache.summary]
            var extras: [String] = []
            if let limit = rule.limit { extras.append("limit " + limit.summary) }
            if let maxBody = rule.maxBody { extras.append("body \(maxBody)") }
            if !rule.compress { extras.append("no compression") }
            cells.append(extras.joined(separator: "; "))
            table.add(cells)
        }
        table.add(["-", Decision.defaultRuleName, "everything else", CachePolicy.origin.summary, ""])
        return lines.rendered() + "\n" + table.rendered(indent: "  ")
    }

    static func compressionSummary(_ compression: CompressionConfig) -> String {
        guard !compression.types.isEmpty else { return "off (no types listed)" }
        let types = compression.types.map(\.description).joined(separator: ", ")
        return "br \(compression.brotliLevel), gzip \(compression.gzipLevel), from \(compression.minSize): \(types)"
    }
}
