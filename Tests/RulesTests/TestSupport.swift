import Foundation
@testable import Rules

extension String {
    init(contentsOfFileAtPath path: String) throws {
        self = try String(contentsOfFile: path, encoding: .utf8)
    }
}

/// Every problem in a rules file, as `LINE:COL: message` lines; empty when the file loads.
func problems(_ yaml: String) -> [ConfigProblem] {
    switch ConfigLoader.load(yaml: yaml) {
    case .success: return []
    case .failure(let problems): return problems.problems
    }
}

func loaded(_ yaml: String) throws -> GatewayConfig {
    try ConfigLoader.load(yaml: yaml).get()
}
