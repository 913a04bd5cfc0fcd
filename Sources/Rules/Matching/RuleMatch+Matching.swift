extension RuleMatch {
    /// Every listed part must fit: one of the paths, and one of the methods and hosts when they are given.
    /// A rule that lists GET also takes HEAD, as HEAD is answered from the GET entry.
    public func matches(_ request: RequestFacts) -> Bool {
        if let methods, !methods.contains(request.method) {
            guard request.method == "HEAD", methods.contains("GET") else { return false }
        }
        if let hosts, !hosts.contains(where: { $0.matches(request.host) }) { return false }
        return paths.contains { $0.matches(request.path) }
    }

    /// The methods this match takes: the listed ones, plus HEAD when GET is listed; nil for every method.
    var effectiveMethods: Set<String>? {
        guard var methods else { return nil }
        if methods.contains("GET") { methods.insert("HEAD") }
        return methods
    }
}
