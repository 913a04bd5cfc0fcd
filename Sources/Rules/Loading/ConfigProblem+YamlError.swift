import Yams

extension ConfigProblem {
    /// A YAML syntax error at the position libyaml reports, with a hint for the usual causes.
    init(yamlError error: YamlError, in yaml: String) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let location = SourceLocation(line: mark.line, column: mark.column)
            var message = "YAML syntax: \(problem)"
            if let context { message += " (\(context.text) at \(context.mark))" }
            message += Self.hint(problem: problem, at: location, in: yaml)
            self.init(at: location, message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "`\($0)`" }.joined(separator: ", ")
            self.init(
                at: SourceLocation(line: context.mark.line, column: context.mark.column),
                "\(keys) appears more than once in the same mapping: keep one"
            )
        case .reader(let problem, let offset, _, _):
            var location = SourceLocation.unknown
            if let offset {
                let before = yaml.prefix(offset)
                let line = before.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
                let column = before.count - (before.lastIndex(of: "\n").map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
                location = SourceLocation(line: line, column: column)
            }
            self.init(at: location, "cannot read the text: \(problem); save the file as UTF-8")
        default:
            self.init(at: .unknown, "YAML: \(error)")
        }
    }

    private static func hint(problem: String, at location: SourceLocation, in yaml: String) -> String {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let line = location.line >= 1 && location.line <= lines.count ? lines[location.line - 1] : ""
        if line.contains("\t") {
            return "; indent with spaces, not tabs"
        }
        if problem.contains("mapping values are not allowed") {
            return "; put a space after each `:`, and quote values that contain \": \""
        }
        if problem.contains("did not find expected key") || problem.contains("did not find expected '-' indicator") {
            return "; check that this line is indented like its siblings"
        }
        if problem.contains("found character that cannot start any token") {
            return "; quote values that start with characters such as `, @ or %"
        }
        return ""
    }
}
