extension Rule {
    /// Whether every request `later` matches is also matched by this rule, so that, placed earlier, this rule
    /// always wins. Sufficient, not complete: patterns are compared as written (equal, or `PREFIX*` covering).
    public func matchesEverything(of later: Rule) -> Bool {
        if let methods = match.effectiveMethods {
            guard let laterMethods = later.match.effectiveMethods, laterMethods.isSubset(of: methods) else { return false }
        }
        if let hosts = match.hosts {
            guard let laterHosts = later.match.hosts, laterHosts.allSatisfy({ hosts.contains($0) }) else { return false }
        }
        return later.match.paths.allSatisfy { path in match.paths.contains { path.isCovered(by: $0) } }
    }
}
