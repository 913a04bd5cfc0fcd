import Yams

/// Reads rules.yaml into a `GatewayConfig`, or every problem in it with its line and column.
public enum ConfigLoader {
    public static func load(yaml: String) -> Result<GatewayConfig, ConfigProblems> {
        read(yaml: yaml, whenEmpty: "the file is empty: it needs at least origin: { url: \"http://127.0.0.1:54321\" }") { reader, root in
            reader.readConfig(root)
        }
    }

    /// Composes `yaml` and walks it with `walk`; every problem comes back sorted by position.
    static func read<T>(
        yaml: String, whenEmpty: String, _ walk: (inout ConfigReader, Node) -> T?
    ) -> Result<T, ConfigProblems> {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            return .failure(ConfigProblems([ConfigProblem(yamlError: error, in: yaml)]))
        } catch {
            return .failure(ConfigProblems([ConfigProblem(at: .unknown, "cannot read the YAML: \(error)")]))
        }
        guard let root else {
            return .failure(ConfigProblems([ConfigProblem(at: SourceLocation(line: 1, column: 1), whenEmpty)]))
        }
        var reader = ConfigReader()
        let value = walk(&reader, root)
        guard reader.problems.isEmpty, let value else {
            let sorted = reader.problems.enumerated().sorted { a, b in
                (a.element.location.line, a.element.location.column, a.offset) < (b.element.location.line, b.element.location.column, b.offset)
            }
            return .failure(ConfigProblems(sorted.map(\.element)))
        }
        return .success(value)
    }
}
