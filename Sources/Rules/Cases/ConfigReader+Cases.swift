import Yams

/// Reading `gateway test` case files with the same line:column reporting as rules.yaml.
extension ConfigReader {
    static let caseFileKeys = ["rules", "origin", "cases"]
    static let caseKeys = ["name", "rules", "origin", "steps"]
    static let originEntryKeys = ["method", "path", "request_headers", "reply", "replies"]
    static let replyKeys = ["status", "headers", "body", "body_size", "delay"]
    static let stepKeys = ["request", "advance", "purge"]
    static let requestKeys = ["method", "path", "headers", "body", "repeat", "expect"]
    static let purgeKeys = ["files", "prefixes", "tags", "hosts", "everything"]
    static let expectKeys = [
        "status", "headers", "present", "absent", "matches", "cache", "body", "body_contains", "origin_requests", "origin_saw",
    ]
    static let originSawKeys = ["method", "path", "headers", "present", "absent"]

    mutating func readCaseFile(_ root: Node) -> CaseFile? {
        guard let mapping = mapping(root, "the case file", example: "rules: ../rules.yaml, origin: [...], cases: [...]") else {
            return nil
        }
        let fields = fields(of: mapping, in: "the case file", known: Self.caseFileKeys)
        let rules = fields["rules"].flatMap { text($0, "rules", expected: "the path of a rules file") }
        let origin = fields["origin"].flatMap { readOriginScripts($0, "origin") } ?? []
        guard let casesNode = fields["cases"] else {
            report(fields.location, "`cases` is required: a list of cases, each with a name and steps")
            return nil
        }
        guard case .sequence(let sequence) = casesNode, !sequence.isEmpty else {
            let got = casesNode.sequence?.isEmpty == true ? "an empty list" : Self.shape(casesNode)
            report(Self.location(casesNode), "cases: expected a list of cases, got \(got)")
            return nil
        }
        var cases: [TestCase] = []
        var names: [String: SourceLocation] = [:]
        for (index, node) in sequence.enumerated() {
            guard let testCase = readCase(node, index: index, rules: rules, origin: origin) else { continue }
            if let first = names[testCase.name] {
                report(testCase.location, "cases[\(index)]: the name \"\(testCase.name)\" is already used at line \(first.line)")
            }
            names[testCase.name] = testCase.location
            cases.append(testCase)
        }
        return CaseFile(cases: cases)
    }

    private mutating func readCase(_ node: Node, index: Int, rules: String?, origin: [OriginScript]) -> TestCase? {
        let path = "cases[\(index)]"
        guard let mapping = mapping(node, path, example: "{ name: ..., steps: [...] }") else { return nil }
        let fields = fields(of: mapping, in: path, known: Self.caseKeys)
        guard let nameNode = fields["name"] else {
            report(fields.location, "\(path).name is required")
            return nil
        }
        let name = text(nameNode, "\(path).name", expected: "a sentence saying what the case shows")
        let caseRules = fields["rules"].flatMap { text($0, "\(path).rules", expected: "the path of a rules file") } ?? rules
        if caseRules == nil {
            report(fields.location, "\(path) names no rules file: add `rules:` to the case or at the top of the file")
        }
        let caseOrigin = fields["origin"].flatMap { readOriginScripts($0, "\(path).origin") } ?? origin
        guard let stepsNode = fields["steps"] else {
            report(fields.location, "\(path).steps is required: a list of requests, advances and purges")
            return nil
        }
        guard case .sequence(let sequence) = stepsNode, !sequence.isEmpty else {
            let got = stepsNode.sequence?.isEmpty == true ? "an empty list" : Self.shape(stepsNode)
            report(Self.location(stepsNode), "\(path).steps: expected a list of requests, advances and purges, got \(got)")
            return nil
        }
        var steps: [CaseStep] = []
        for (stepIndex, stepNode) in sequence.enumerated() {
            if let step = readStep(stepNode, "\(path).steps[\(stepIndex)]") { steps.append(step) }
        }
        guard let name, let caseRules else { return nil }
        return TestCase(name: name, location: Self.location(node), rulesPath: caseRules, origin: caseOrigin, steps: steps)
    }

    // MARK: The origin

    private mutating func readOriginScripts(_ node: Node, _ path: String) -> [OriginScript]? {
        guard case .sequence(let sequence) = node else {
            report(Self.location(node), "\(path): expected a list of { path, reply } entries, got \(Self.shape(node))")
            return nil
        }
        var scripts: [OriginScript] = []
        for (index, entry) in sequence.enumerated() {
            let entryPath = "\(path)[\(index)]"
            guard let mapping = mapping(entry, entryPath, example: "{ path: /api/*, reply: { status: 200, body: ok } }") else {
                continue
            }
            let fields = fields(of: mapping, in: entryPath, known: Self.originEntryKeys)
            var script = OriginScript(replies: [])
            script.method = fields["method"].flatMap { text($0, "\(entryPath).method", expected: "a method such as GET") }?.uppercased()
            if let node = fields["path"], let pattern = text(node, "\(entryPath).path", expected: "a path glob such as /api/*") {
                script.path = PathPattern(pattern)
            }
            script.requestHeaders = fields["request_headers"].flatMap { headerFields($0, "\(entryPath).request_headers") } ?? []
            switch (fields["reply"], fields["replies"]) {
            case (let reply?, nil):
                if let parsed = readReply(reply, "\(entryPath).reply") { script.replies = [parsed] }
            case (nil, let replies?):
                guard case .sequence(let list) = replies, !list.isEmpty else {
                    report(Self.location(replies), "\(entryPath).replies: expected a list of replies, got \(Self.shape(replies))")
                    continue
                }
                for (replyIndex, reply) in list.enumerated() {
                    if let parsed = readReply(reply, "\(entryPath).replies[\(replyIndex)]") { script.replies.append(parsed) }
                }
            case (.some, .some):
                report(fields.location, "\(entryPath): give `reply` or `replies`, not both")
            case (nil, nil):
                report(fields.location, "\(entryPath): `reply` is required, e.g. reply: { status: 200, body: ok }")
            }
            if !script.replies.isEmpty { scripts.append(script) }
        }
        return scripts
    }

    private mutating func readReply(_ node: Node, _ path: String) -> ScriptedReply? {
        guard let mapping = mapping(node, path, example: "{ status: 200, headers: { cache-control: max-age=60 }, body: ok }") else {
            return nil
        }
        let fields = fields(of: mapping, in: path, known: Self.replyKeys)
        var reply = ScriptedReply()
        if let node = fields["status"] { reply.status = integer(node, "\(path).status", in: 100...599) ?? reply.status }
        if let node = fields["headers"] { reply.headers = headerFields(node, "\(path).headers") ?? [] }
        if let node = fields["body"] { reply.body = text(node, "\(path).body", expected: "the body's text") ?? "" }
        if let node = fields["body_size"] { reply.bodySize = byteCount(node, "\(path).body_size", allowZero: true) }
        if let node = fields["delay"] { reply.delay = duration(node, "\(path).delay", allowZero: true) ?? .zero }
        if fields["body"] != nil, fields["body_size"] != nil {
            report(fields.location, "\(path): give `body` or `body_size`, not both")
        }
        return reply
    }

    // MARK: Steps

    private mutating func readStep(_ node: Node, _ path: String) -> CaseStep? {
        guard let mapping = mapping(node, path, example: "{ request: { path: / }, expect: ... } or { advance: 31s }") else {
            return nil
        }
        // `expect` and `repeat` may sit beside `request` (the usual spelling) or inside it.
        var known = Self.stepKeys
        known.append(contentsOf: ["expect", "repeat"])
        let fields = fields(of: mapping, in: path, known: known)
        let kinds = Self.stepKeys.filter { fields[$0] != nil }
        guard kinds.count == 1, let kind = kinds.first else {
            report(fields.location, "\(path): a step is one of request, advance or purge" + (kinds.isEmpty ? "" : "; found \(kinds.joined(separator: ", "))"))
            return nil
        }
        switch kind {
        case "advance":
            if fields["expect"] != nil || fields["repeat"] != nil {
                report(fields.location, "\(path): `expect` and `repeat` belong to a request step")
            }
            guard let node = fields["advance"], let amount = duration(node, "\(path).advance") else { return nil }
            return .advance(amount, at: Self.location(node))
        case "purge":
            if fields["expect"] != nil || fields["repeat"] != nil {
                report(fields.location, "\(path): `expect` and `repeat` belong to a request step")
            }
            return fields["purge"].flatMap { readPurge($0, "\(path).purge") }.map(CaseStep.purge)
        default:
            return fields["request"].flatMap { readRequest($0, "\(path).request", outer: fields) }.map(CaseStep.request)
        }
    }

    private mutating func readRequest(_ node: Node, _ path: String, outer: Fields) -> RequestStep? {
        var step = RequestStep(location: Self.location(node), method: "GET", target: "/")
        var expectNode = outer["expect"]
        var repeatNode = outer["repeat"]
        if case .scalar = node {
            // `request: /path` is a GET of that path.
            guard let target = text(node, path, expected: "a path such as /index.html") else { return nil }
            step.target = target
        } else {
            guard let mapping = mapping(node, path, example: "{ method: GET, path: /api/feed, headers: { accept-encoding: br } }") else {
                return nil
            }
            let fields = fields(of: mapping, in: path, known: Self.requestKeys)
            if let node = fields["method"] { step.method = text(node, "\(path).method", expected: "a method such as GET")?.uppercased() ?? "GET" }
            guard let targetNode = fields["path"], let target = text(targetNode, "\(path).path", expected: "a path such as /index.html") else {
                if fields["path"] == nil { report(fields.location, "\(path).path is required") }
                return nil
            }
            step.target = target
            if let node = fields["headers"] { step.headers = headerFields(node, "\(path).headers") ?? [] }
            if let node = fields["body"] { step.body = text(node, "\(path).body", expected: "the body's text") }
            expectNode = inner(fields["expect"], outer: expectNode, "expect", path, fields.location)
            repeatNode = inner(fields["repeat"], outer: repeatNode, "repeat", path, fields.location)
        }
        guard step.target.hasPrefix("/") || step.target.hasPrefix("http://") || step.target.hasPrefix("https://") else {
            report(step.location, "\(path): \"\(step.target)\" must start with / (or be an absolute http:// URL)")
            return nil
        }
        if let repeatNode { step.repeatCount = integer(repeatNode, "\(path).repeat", in: 1...100_000) ?? 1 }
        if let expectNode { step.expect = readExpectation(expectNode, "\(path).expect") ?? Expectation() }
        return step
    }

    /// `key` written inside the request wins over the same key beside it; both is a mistake.
    private mutating func inner(_ node: Node?, outer: Node?, _ key: String, _ path: String, _ location: SourceLocation) -> Node? {
        guard let node else { return outer }
        if outer != nil { report(location, "\(path): `\(key)` is given twice (inside and beside the request)") }
        return node
    }

    private mutating func readPurge(_ node: Node, _ path: String) -> PurgeStep? {
        guard let mapping = mapping(node, path, example: "{ tags: [feed] } or { prefixes: [/assets/] } or { everything: true }") else {
            return nil
        }
        let fields = fields(of: mapping, in: path, known: Self.purgeKeys)
        var purge = PurgeStep(location: Self.location(node))
        if let node = fields["files"] { purge.files = textList(node, "\(path).files", expected: "a URL or path")?.map(\.text) ?? [] }
        if let node = fields["prefixes"] { purge.prefixes = textList(node, "\(path).prefixes", expected: "a path prefix")?.map(\.text) ?? [] }
        if let node = fields["tags"] { purge.tags = textList(node, "\(path).tags", expected: "a tag")?.map(\.text) ?? [] }
        if let node = fields["hosts"] { purge.hosts = textList(node, "\(path).hosts", expected: "a host")?.map(\.text) ?? [] }
        if let node = fields["everything"] { purge.everything = boolean(node, "\(path).everything") ?? false }
        if fields.isEmpty { report(fields.location, "\(path): name what to purge: files, prefixes, tags, hosts or everything") }
        return purge
    }

    // MARK: Expectations

    private mutating func readExpectation(_ node: Node, _ path: String) -> Expectation? {
        guard let mapping = mapping(node, path, example: "{ status: 200, cache: HIT, origin_requests: 1 }") else { return nil }
        let fields = fields(of: mapping, in: path, known: Self.expectKeys)
        var expect = Expectation()
        if let node = fields["status"] { expect.status = integer(node, "\(path).status", in: 100...599) }
        if let node = fields["headers"] { expect.headers = headerFields(node, "\(path).headers") ?? [] }
        if let node = fields["present"] { expect.present = headerNames(node, "\(path).present") }
        if let node = fields["absent"] { expect.absent = headerNames(node, "\(path).absent") }
        if let node = fields["matches"] {
            expect.patterns = headerFields(node, "\(path).matches") ?? []
            for pattern in expect.patterns where (try? Regex(pattern.value)) == nil {
                report(Self.location(node), "\(path).matches.\(pattern.name): \"\(pattern.value)\" is not a valid regular expression")
            }
        }
        if let node = fields["cache"], let value = text(node, "\(path).cache", expected: "an X-Cache value such as HIT") {
            if xCacheValues.contains(value.uppercased()) {
                expect.cache = value.uppercased()
            } else {
                report(Self.location(node), "\(path).cache \"\(value)\": expected one of \(xCacheValues.joined(separator: ", "))")
            }
        }
        if let node = fields["body"] { expect.body = text(node, "\(path).body", expected: "the body's text") }
        if let node = fields["body_contains"] { expect.bodyContains = text(node, "\(path).body_contains", expected: "text in the body") }
        if let node = fields["origin_requests"] { expect.originRequests = integer(node, "\(path).origin_requests", in: 0...Int.max) }
        if let node = fields["origin_saw"] { expect.originSaw = readOriginSaw(node, "\(path).origin_saw") }
        return expect
    }

    private mutating func readOriginSaw(_ node: Node, _ path: String) -> OriginRequestExpectation? {
        guard let mapping = mapping(node, path, example: "{ path: /api/feed, absent: [x-forwarded-host] }") else { return nil }
        let fields = fields(of: mapping, in: path, known: Self.originSawKeys)
        var saw = OriginRequestExpectation()
        if let node = fields["method"] { saw.method = text(node, "\(path).method", expected: "a method such as GET")?.uppercased() }
        if let node = fields["path"] { saw.target = text(node, "\(path).path", expected: "a path and query such as /api?x=1") }
        if let node = fields["headers"] { saw.headers = headerFields(node, "\(path).headers") ?? [] }
        if let node = fields["present"] { saw.present = headerNames(node, "\(path).present") }
        if let node = fields["absent"] { saw.absent = headerNames(node, "\(path).absent") }
        return saw
    }

    // MARK: Headers

    /// `{ name: value, other: [value, value] }`: a list gives the header once per value, in order.
    mutating func headerFields(_ node: Node, _ path: String) -> [HeaderField]? {
        guard let mapping = mapping(node, path, example: "{ cache-control: max-age=60, vary: accept-encoding }") else { return nil }
        var fields: [HeaderField] = []
        for (key, value) in mapping {
            guard case .scalar(let name) = key, isHeaderName(name.string) else {
                report(Self.location(key), "\(path): \(Self.shape(key)) is not a header name")
                continue
            }
            guard let values = textList(value, "\(path).\(name.string)", expected: "a header value") else { continue }
            fields.append(contentsOf: values.map { HeaderField(name.string, $0.text) })
        }
        return fields
    }

    private mutating func headerNames(_ node: Node, _ path: String) -> [String] {
        guard let names = textList(node, path, expected: "a header name") else { return [] }
        for name in names where !isHeaderName(name.text) {
            report(name.location, "\(path): \"\(name.text)\" is not a header name")
        }
        return names.map(\.text)
    }

    private func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            isDigit(byte) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
