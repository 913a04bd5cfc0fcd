extension RuleMatch {
    /// `/rpc/*, /rest/*`, with ` [GET, HEAD]` and ` on example.com` when the rule names methods or hosts.
    public var summary: String {
        var text = paths.map(\.pattern).joined(separator: ", ")
        if let methods { text += " [" + methods.sorted().joined(separator: ", ") + "]" }
        if let hosts { text += " on " + hosts.map(\.pattern).joined(separator: ", ") }
        return text
    }
}
