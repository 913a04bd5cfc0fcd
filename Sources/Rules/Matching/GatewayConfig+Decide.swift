extension GatewayConfig {
    /// Route, step 2 of the walk: the first rule whose match fits decides; with none, the default decision
    /// (RFC 9111 caching by the origin's headers, no limit, `server.max_body`, compression on).
    /// Runs on every request: no allocation beyond the returned value.
    public func decide(_ request: RequestFacts) -> Decision {
        guard let index = matchingRuleIndex(request) else { return defaultDecision }
        let rule = rules[index]
        return Decision(
            ruleName: rule.name,
            ruleIndex: index,
            cache: rule.cache,
            limit: rule.limit,
            maxBody: rule.maxBody ?? server.maxBodyBytes,
            compress: rule.compress
        )
    }

    /// The index in `rules` of the first rule that fits, nil when none does.
    public func matchingRuleIndex(_ request: RequestFacts) -> Int? {
        rules.firstIndex { $0.match.matches(request) }
    }

    /// What a request that no rule matches gets.
    public var defaultDecision: Decision {
        Decision(
            ruleName: Decision.defaultRuleName,
            ruleIndex: nil,
            cache: .origin,
            limit: nil,
            maxBody: server.maxBodyBytes,
            compress: true
        )
    }
}
