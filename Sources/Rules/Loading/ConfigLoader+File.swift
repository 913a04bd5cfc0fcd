import Foundation

extension ConfigLoader {
    /// Reads and loads a rules file. A file that cannot be read is one problem at 0:0.
    public static func load(file path: String) -> Result<GatewayConfig, ConfigProblems> {
        guard FileManager.default.fileExists(atPath: path) else {
            return .failure(ConfigProblems([ConfigProblem(at: .unknown, "no such file: \(path)")]))
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            return .failure(ConfigProblems([ConfigProblem(at: .unknown, "cannot read \(path) as UTF-8 text: \(error.localizedDescription)")]))
        }
        return load(yaml: text)
    }
}
