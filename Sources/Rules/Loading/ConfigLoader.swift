import Yams

/// Reads rules.yaml into a `GatewayConfig`, or every problem in it with its line and column.
public enum ConfigLoader {
    public static func load(yaml: String) -> Result<GatewayConfig, ConfigProblems> {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            return .failure(ConfigProblems([ConfigProblem(yamlError: error, in: yaml)]))
        } catch {
            return .failure(ConfigProblems([ConfigProblem(at: .unknown, "cannot read the YAML: \(error)")]))
        }
        guard let root else {
            return .failure(ConfigProblems([ConfigProblem(
                at: SourceLocation(line: 1, column: 1),
                "the file is empty: it needs at least origin: { url: \"http://127.0.0.1:54321\" }"
            )]))
        }
        var reader = ConfigReader()
        let config = reader.readConfig(root)
        guard reader.problems.isEmpty, let config else {
            let sorted = reader.problems.enumerated().sorted { a, b in
                (a.element.location.line, a.element.location.column, a.offset) < (b.element.location.line, b.element.location.column, b.offset)
            }
            return .failure(ConfigProblems(sorted.map(\.element)))
        }
        return .success(config)
    }
}
