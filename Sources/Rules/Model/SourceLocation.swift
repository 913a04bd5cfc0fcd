/// Where a value stands in rules.yaml, 1-based, for messages such as `rules.yaml:14:9: ...`.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static let unknown = SourceLocation(line: 0, column: 0)

    public var description: String { "\(line):\(column)" }
}

/// One thing wrong with a rules file: where, what, and what to write instead.
public struct ConfigProblem: Sendable, Hashable, Error, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(at location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }

    /// `FILE:LINE:COL: message`, the shape nginx -t and compilers use.
    public func rendered(file: String) -> String { "\(file):\(location.line):\(location.column): \(message)" }
}

/// Every problem found in a rules file, not only the first.
public struct ConfigProblems: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigProblem]

    public init(_ problems: [ConfigProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }

    public func rendered(file: String) -> String {
        problems.map { $0.rendered(file: file) }.joined(separator: "\n")
    }
}
