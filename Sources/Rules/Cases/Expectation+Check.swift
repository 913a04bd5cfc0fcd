/// A response as a case saw it.
public struct ObservedResponse: Sendable {
    public var status: Int
    public var headers: [HeaderField]
    public var body: String

    public init(status: Int, headers: [HeaderField], body: String) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of `name` (case-insensitive), as HTTP clients read a single-valued field.
    public func value(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A request as the origin received it.
public struct ObservedOriginRequest: Sendable {
    public var method: String
    public var target: String
    public var headers: [HeaderField]

    public init(method: String, target: String, headers: [HeaderField]) {
        self.method = method
        self.target = target
        self.headers = headers
    }

    public func value(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// One expectation that did not hold: what was looked at, what was expected, what was there.
public struct Mismatch: Sendable, Hashable, CustomStringConvertible {
    public var subject: String
    public var expected: String
    public var actual: String

    public init(_ subject: String, expected: String, actual: String) {
        self.subject = subject
        self.expected = expected
        self.actual = actual
    }

    public var description: String { "\(subject): expected \(expected), got \(actual)" }
}

extension Expectation {
    /// Every part of the expectation that `response` (and the origin's view) does not meet, in the order written.
    public func mismatches(
        _ response: ObservedResponse, originRequests: Int, lastOriginRequest: ObservedOriginRequest?
    ) -> [Mismatch] {
        var found: [Mismatch] = []
        if let status, status != response.status {
            found.append(Mismatch("status", expected: "\(status)", actual: "\(response.status)"))
        }
        if let cache {
            let actual = response.value("x-cache")
            if actual?.uppercased() != cache {
                found.append(Mismatch("x-cache", expected: quoted(cache), actual: actual.map { quoted($0) } ?? "no X-Cache header"))
            }
        }
        found += Self.headerMismatches(
            exact: headers, present: present, absent: absent, value: response.value, subject: { $0.lowercased() }
        )
        for pattern in patterns {
            let name = pattern.name.lowercased()
            guard let actual = response.value(name) else {
                found.append(Mismatch(name, expected: "a value matching /\(pattern.value)/", actual: "no such header"))
                continue
            }
            if let regex = try? Regex(pattern.value), actual.contains(regex) { continue }
            found.append(Mismatch(name, expected: "a value matching /\(pattern.value)/", actual: quoted(actual)))
        }
        if let body, body != response.body {
            found.append(Mismatch("body", expected: quoted(body, limit: 200), actual: quoted(response.body, limit: 200)))
        }
        if let bodyContains, !response.body.contains(bodyContains) {
            found.append(Mismatch("body", expected: "to contain \(quoted(bodyContains))", actual: quoted(response.body, limit: 200)))
        }
        if let expected = self.originRequests, expected != originRequests {
            found.append(Mismatch("origin requests", expected: "\(expected)", actual: "\(originRequests)"))
        }
        if let saw = originSaw {
            guard let request = lastOriginRequest else {
                found.append(Mismatch("origin request", expected: "one", actual: "none reached the origin"))
                return found
            }
            if let method = saw.method, method != request.method {
                found.append(Mismatch("origin request method", expected: method, actual: request.method))
            }
            if let target = saw.target, target != request.target {
                found.append(Mismatch("origin request path", expected: quoted(target), actual: quoted(request.target)))
            }
            found += Self.headerMismatches(
                exact: saw.headers, present: saw.present, absent: saw.absent, value: request.value,
                subject: { "origin request \($0.lowercased())" }
            )
        }
        return found
    }

    private static func headerMismatches(
        exact: [HeaderField], present: [String], absent: [String], value: (String) -> String?, subject: (String) -> String
    ) -> [Mismatch] {
        var found: [Mismatch] = []
        for field in exact {
            let actual = value(field.name)
            if actual != field.value {
                found.append(Mismatch(subject(field.name), expected: quoted(field.value), actual: actual.map { quoted($0) } ?? "no such header"))
            }
        }
        for name in present where value(name) == nil {
            found.append(Mismatch(subject(name), expected: "present", actual: "no such header"))
        }
        for name in absent {
            if let actual = value(name) { found.append(Mismatch(subject(name), expected: "absent", actual: quoted(actual))) }
        }
        return found
    }
}

/// `text` in double quotes, cut at `limit` characters with the length said.
private func quoted(_ text: String, limit: Int = 400) -> String {
    guard text.count > limit else { return "\"\(text)\"" }
    return "\"\(text.prefix(limit))…\" (\(text.utf8.count) bytes)"
}
