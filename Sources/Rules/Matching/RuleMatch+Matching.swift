extension RuleMatch {
    /// Every listed part must fit: one of the paths, and one of the methods and hosts when they are given.
    public func matches(_ request: RequestFacts) -> Bool {
        if let methods, !methods.contains(request.method) { return false }
        if let hosts, !hosts.contains(where: { $0.matches(request.host) }) { return false }
        return paths.contains { $0.matches(request.path) }
    }
}
