import Yams

/// Walks a composed YAML tree into a `GatewayConfig`, collecting every problem with its line:column instead of
/// stopping at the first. Each `read…` reports what is wrong and returns nil; callers keep going.
struct ConfigReader {
    private(set) var problems: [ConfigProblem] = []

    mutating func report(_ location: SourceLocation, _ message: String) {
        problems.append(ConfigProblem(at: location, message))
    }

    static func location(_ node: Node) -> SourceLocation {
        guard let mark = node.mark else { return .unknown }
        return SourceLocation(line: mark.line, column: mark.column)
    }

    /// How a value looks, for "expected X, got Y".
    static func shape(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar): return isNull(node) ? "nothing" : "\"\(scalar.string)\""
        }
    }

    /// `key:` with nothing after it, `~` or `null`, unquoted.
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    // MARK: Mappings

    /// The keys of a mapping that are among `known`; every other key is reported at the key's own position,
    /// with a suggestion when a known key is within two edits.
    mutating func fields(of mapping: Node.Mapping, in section: String, known: [String]) -> Fields {
        var fields = Fields(location: mapping.mark.map { SourceLocation(line: $0.line, column: $0.column) } ?? .unknown)
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                report(Self.location(key), "keys must be plain names; \(Self.shape(key)) cannot be a key in \(section)")
                continue
            }
            let name = scalar.string
            if known.contains(name) {
                fields.values[name] = (Self.location(key), value)
            } else {
                report(Self.location(key), Self.unknownKeyMessage(name, in: section, known: known))
            }
        }
        return fields
    }

    static func unknownKeyMessage(_ name: String, in section: String, known: [String]) -> String {
        if let suggestion = KeySuggestion.closest(to: name, among: known) {
            return "unknown key `\(name)` in \(section): did you mean `\(suggestion)`?"
        }
        return "unknown key `\(name)` in \(section); known keys: \(known.joined(separator: ", "))"
    }

    /// The value as a mapping, or a report that says what was expected (`example` shows one).
    mutating func mapping(_ node: Node, _ path: String, example: String) -> Node.Mapping? {
        if case .mapping(let mapping) = node { return mapping }
        if Self.isNull(node) {
            report(Self.location(node), "\(path) has no value: expected a mapping such as \(example)")
        } else {
            report(Self.location(node), "\(path): expected a mapping such as \(example), got \(Self.shape(node))")
        }
        return nil
    }

    // MARK: Scalars

    /// The text of a scalar value; lists, mappings and empty values are reported as not being `expected`.
    mutating func text(_ node: Node, _ path: String, expected: String) -> String? {
        if Self.isNull(node) {
            report(Self.location(node), "\(path) has no value: expected \(expected)")
            return nil
        }
        guard case .scalar(let scalar) = node else {
            report(Self.location(node), "\(path): expected \(expected), got \(Self.shape(node))")
            return nil
        }
        return scalar.string
    }

    /// Parses a scalar with `parse`, reporting `path "text": reason` when it fails.
    mutating func value<T>(
        _ node: Node, _ path: String, expected: String, _ parse: (String) -> Result<T, ValueSyntaxError>
    ) -> T? {
        guard let text = text(node, path, expected: expected) else { return nil }
        switch parse(text) {
        case .success(let value): return value
        case .failure(let error):
            report(Self.location(node), "\(path) \"\(text)\": \(error.reason)")
            return nil
        }
    }

    /// A time span; `allowZero` where 0 means "none" or "at once" rather than nonsense.
    mutating func duration(_ node: Node, _ path: String, allowZero: Bool = false) -> Duration? {
        value(node, path, expected: "a duration such as 30s") { text in
            Duration.parse(text).flatMap { duration in
                allowZero || duration > .zero ? .success(duration) : .failure(ValueSyntaxError("must be more than 0 (e.g. 30s)"))
            }
        }
    }

    mutating func byteCount(_ node: Node, _ path: String, allowZero: Bool = false) -> ByteCount? {
        value(node, path, expected: "a size such as 16MiB") { text in
            ByteCount.parse(text).flatMap { size in
                allowZero || size.bytes > 0 ? .success(size) : .failure(ValueSyntaxError("must be more than 0 (e.g. 1MiB)"))
            }
        }
    }

    mutating func integer(_ node: Node, _ path: String, in range: ClosedRange<Int>) -> Int? {
        let expected = range.upperBound == .max
            ? "a whole number of at least \(range.lowerBound)"
            : "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard let text = text(node, path, expected: expected) else { return nil }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.utf8.allSatisfy(isDigit), let number = Int(text) else {
            report(Self.location(node), "\(path) \"\(text)\": expected \(expected)")
            return nil
        }
        guard range.contains(number) else {
            report(Self.location(node), "\(path) \"\(text)\": out of range: expected \(expected)")
            return nil
        }
        return number
    }

    mutating func boolean(_ node: Node, _ path: String) -> Bool? {
        guard let text = text(node, path, expected: "true or false") else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            report(Self.location(node), "\(path) \"\(text)\": expected true or false")
            return nil
        }
    }

    /// A single string or a list of strings, each with its own position. An empty list is reported.
    mutating func textList(_ node: Node, _ path: String, expected: String) -> [(text: String, location: SourceLocation)]? {
        if case .sequence(let sequence) = node {
            var items: [(String, SourceLocation)] = []
            var failed = false
            for item in sequence {
                if let text = text(item, path, expected: expected) {
                    items.append((text, Self.location(item)))
                } else {
                    failed = true
                }
            }
            if items.isEmpty, !failed {
                report(Self.location(node), "\(path) is an empty list: expected \(expected), or a list of them")
                return nil
            }
            return failed ? nil : items
        }
        guard let text = text(node, path, expected: "\(expected), or a list of them") else { return nil }
        return [(text, Self.location(node))]
    }
}
