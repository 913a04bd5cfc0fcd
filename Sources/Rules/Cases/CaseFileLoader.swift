import Foundation

/// Reads a `gateway test` case file, or every problem in it with its line and column.
public enum CaseFileLoader {
    public static func load(yaml: String) -> Result<CaseFile, ConfigProblems> {
        ConfigLoader.read(yaml: yaml, whenEmpty: "the file is empty: it needs `cases:`") { reader, root in
            reader.readCaseFile(root)
        }
    }

    public static func load(file path: String) -> Result<CaseFile, ConfigProblems> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(ConfigProblems([ConfigProblem(at: .unknown, "no such file: \(path)")]))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(ConfigProblems([ConfigProblem(at: .unknown, "cannot read \(path) as UTF-8 text")]))
        }
        return load(yaml: text)
    }
}
