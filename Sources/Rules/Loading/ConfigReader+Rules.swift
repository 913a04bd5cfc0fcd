import Yams

extension ConfigReader {
    static let ruleKeys = ["name", "match", "cache", "limit", "max_body", "compress"]
    static let matchKeys = ["path", "methods", "hosts"]
    static let cacheKeys = ["edge_ttl", "browser_ttl", "stale_while_revalidate", "stale_if_error", "immutable", "mode", "key"]
    static let cacheKeyKeys = ["query", "ignore", "only"]
    static let limitKeys = ["per_ip", "burst", "key", "block", "ipv6_prefix"]

    mutating func readRules(_ node: Node) -> [Rule] {
        guard case .sequence(let sequence) = node else {
            let got = Self.isNull(node) ? "nothing" : Self.shape(node)
            report(Self.location(node), "rules: expected a list of rules, each starting with `- name:`, got \(got) (write rules: [] for none)")
            return []
        }
        var rules: [Rule] = []
        var names: [String: SourceLocation] = [:]
        for item in sequence {
            if let rule = readRule(item, names: &names) { rules.append(rule) }
        }
        return rules
    }

    /// One rule; nil when any part of it is wrong (every wrong part is reported).
    mutating func readRule(_ node: Node, names: inout [String: SourceLocation]) -> Rule? {
        let example = "{ name: assets, match: { path: \"/assets/*\" }, cache: bypass }"
        guard let mapping = mapping(node, "each rule", example: example) else { return nil }
        let fields = fields(of: mapping, in: "a rule", known: Self.ruleKeys)
        var valid = true

        var name: String?
        if let node = fields["name"] {
            name = ruleName(node, names: &names)
        } else {
            report(fields.location, "every rule needs a `name`: add name: my-rule (lower-case letters, digits, - and _)")
        }
        var match: RuleMatch?
        if let node = fields["match"] {
            match = readMatch(node)
        } else {
            report(fields.location, "`match` is required: add match: { path: \"/assets/*\" } (\"/*\" matches every path)")
        }
        var cache = CachePolicy.origin
        if let node = fields["cache"] {
            if let policy = readCachePolicy(node) { cache = policy } else { valid = false }
        }
        var limit: LimitPolicy?
        if let node = fields["limit"] {
            limit = readLimit(node)
            if limit == nil { valid = false }
        }
        var maxBody: ByteCount?
        if let node = fields["max_body"] {
            maxBody = byteCount(node, "max_body", allowZero: true)
            if maxBody == nil { valid = false }
        }
        var compress = true
        if let node = fields["compress"] {
            if let value = boolean(node, "compress") { compress = value } else { valid = false }
        }
        guard valid, let name, let match else { return nil }
        return Rule(name: name, match: match, cache: cache, limit: limit, maxBody: maxBody, compress: compress, location: fields.location)
    }

    mutating func ruleName(_ node: Node, names: inout [String: SourceLocation]) -> String? {
        guard let name = text(node, "name", expected: "a name such as feed-api") else { return nil }
        let location = Self.location(node)
        let allowed = !name.isEmpty && name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        guard allowed else {
            let slug = String(name.lowercased().map { $0 == " " ? "-" : $0 }.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            let suggestion = slug.isEmpty ? "feed-api" : slug
            report(location, "name \"\(name)\": use lower-case letters, digits, - and _ only (e.g. \(suggestion))")
            return nil
        }
        guard name != Decision.defaultRuleName else {
            report(location, "name \"default\": reserved for requests that no rule matches; choose another name")
            return nil
        }
        if let first = names[name] {
            report(location, "name \"\(name)\": already used by the rule at \(first); rule names must be unique")
            return nil
        }
        names[name] = location
        return name
    }

    mutating func readMatch(_ node: Node) -> RuleMatch? {
        guard let mapping = mapping(node, "match", example: "{ path: \"/assets/*\", methods: [GET, HEAD] }") else { return nil }
        let fields = fields(of: mapping, in: "match", known: Self.matchKeys)
        var valid = true

        var paths: [PathPattern] = []
        if let node = fields["path"] {
            let items = textList(node, "match.path", expected: "a path such as /assets/*")
            if items == nil { valid = false }
            for (text, location) in items ?? [] {
                if let pattern = pathPattern(text, at: location) { paths.append(pattern) } else { valid = false }
            }
        } else {
            report(fields.location, "match.path is required: add path: \"/assets/*\" (\"/*\" matches every path)")
            valid = false
        }

        var methods: Set<String>?
        if let node = fields["methods"] {
            let items = textList(node, "match.methods", expected: "an HTTP method such as GET")
            if items == nil { valid = false }
            var set = Set<String>()
            for (text, location) in items ?? [] {
                let method = text.uppercased()
                if !method.isEmpty, method.utf8.allSatisfy(Self.isTokenByte) {
                    set.insert(method)
                } else {
                    report(location, "match.methods \"\(text)\": expected an HTTP method such as GET, HEAD or POST")
                    valid = false
                }
            }
            methods = set
        }

        var hosts: [HostPattern]?
        if let node = fields["hosts"] {
            let items = textList(node, "match.hosts", expected: "a host such as example.com")
            if items == nil { valid = false }
            var patterns: [HostPattern] = []
            for (text, location) in items ?? [] {
                switch HostPattern.parse(text) {
                case .success(let pattern): patterns.append(pattern)
                case .failure(let error):
                    report(location, "match.hosts \"\(text)\": \(error.reason)")
                    valid = false
                }
            }
            hosts = patterns
        }
        return valid ? RuleMatch(paths: paths, methods: methods, hosts: hosts) : nil
    }

    /// Patterns are matched against normalised paths, so one that normalisation would change can never match.
    mutating func pathPattern(_ text: String, at location: SourceLocation) -> PathPattern? {
        guard text.hasPrefix("/") else {
            let hint = text == "*" || text.isEmpty ? "/*" : "/" + text
            report(location, "match.path \"\(text)\": must start with / (write \(hint))")
            return nil
        }
        guard let target = RequestTarget.parse(text) else {
            report(location, "match.path \"\(text)\": not a valid path: no spaces, control characters, #, %00 or % without two hex digits")
            return nil
        }
        if target.query != nil {
            report(location, "match.path \"\(text)\": rules match the path only, not the query: write \(target.path)")
            return nil
        }
        guard target.path == text else {
            report(location, "match.path \"\(text)\": requests are matched by their normalised path, which is never spelt like this: write \(target.path)")
            return nil
        }
        return PathPattern(text)
    }

    /// RFC 9110 tchar: what a method name may be made of.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
