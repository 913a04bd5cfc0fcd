import CaseRunner
import Foundation
import GatewayTestSupport
import Rules
import Testing

/// `gateway test` end to end: the shipped cases pass against the real gateway, and a wrong expectation
/// fails with a diff an operator can read.
@Suite("gateway test")
struct CaseRunnerTests {
    let root = GatewayBinary.packageRoot

    @Test("the shipped example cases pass against the shipped rules.yaml")
    func shippedCasesPass() async throws {
        let directory = self.root.appendingPathComponent("examples/cases").path
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            let results = try await CaseRunner().run(file: directory + "/" + file).get()
            #expect(results.count >= 1)
            for result in results where !result.passed {
                Issue.record("\(file): \(CaseReport.lines(file: file, results: [result]).joined(separator: "\n"))")
            }
        }
    }

    /// A case file beside a copy of the shipped rules, in a fresh directory.
    func caseFile(_ yaml: String) throws -> (path: String, cleanUp: @Sendable () -> Void) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cases-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: self.root.appendingPathComponent("rules.yaml").path, toPath: directory.appendingPathComponent("rules.yaml").path)
        let file = directory.appendingPathComponent("case.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return (file.path, { try? FileManager.default.removeItem(at: directory) })
    }

    static let wrongCase = """
        rules: rules.yaml
        origin:
          - path: /assets/*
            reply: { headers: { content-type: text/css }, body: "a{}" }
        cases:
          - name: right
            steps:
              - request: /assets/a.css
                expect: { cache: MISS }
          - name: wrong on purpose
            steps:
              - request: /assets/a.css
                expect: { cache: MISS }
              - request: /assets/a.css
                expect: { status: 200, cache: MISS, origin_requests: 2, absent: [age] }
              - request: /never-sent
        """

    @Test("a wrong expectation fails, names the step, and shows expected against got with the response")
    func wrongExpectationFails() async throws {
        let (path, cleanUp) = try self.caseFile(Self.wrongCase)
        defer { cleanUp() }
        let results = try await CaseRunner().run(file: path).get()
        #expect(results.map(\.passed) == [true, false])
        let failure = try #require(results[1].failure)
        #expect(failure.step == 2)
        #expect(failure.location.line == 14)
        #expect(failure.mismatches.map(\.subject) == ["x-cache", "age", "origin requests"])
        #expect(failure.mismatches[0].actual == "\"HIT\"")
        #expect(failure.mismatches[2].actual == "1")
        #expect(results[1].requests == 2, "the case stops at the failing step")
        let report = CaseReport.lines(file: "case.yaml", results: results).joined(separator: "\n")
        #expect(report.contains("  ok    right"))
        #expect(report.contains("  FAIL  wrong on purpose  (case.yaml:10)"))
        #expect(report.contains("step 2, line 14: GET /assets/a.css"))
        #expect(report.contains("expected \"MISS\""))
        #expect(report.contains("got \"HIT\""))
        #expect(report.contains("x-cache: HIT"), "the response head is shown")
    }

    @Test("gateway test exits 0 when every case passes, 1 when one fails, 2 for an invalid case file")
    func exitStatus() async throws {
        let passing = try await runCommand(try GatewayBinary.path(), ["test", "examples/cases/"], directory: self.root)
        #expect(passing.status == 0, "\(passing.standardOutput)\(passing.standardError)")
        #expect(passing.standardOutput.contains("0 failed"))

        let (wrong, cleanUp) = try self.caseFile(Self.wrongCase)
        defer { cleanUp() }
        let failing = try await runCommand(try GatewayBinary.path(), ["test", wrong])
        #expect(failing.status == 1)
        #expect(failing.standardOutput.contains("FAIL  wrong on purpose"))
        #expect(failing.standardOutput.contains("2 cases: 1 passed, 1 failed"))

        let filtered = try await runCommand(try GatewayBinary.path(), ["test", "--filter", "right", wrong])
        #expect(filtered.status == 0, "\(filtered.standardOutput)")

        let (invalid, cleanUpInvalid) = try self.caseFile("rules: rules.yaml\ncases:\n  - name: x\n    steps:\n      - reqest: /\n")
        defer { cleanUpInvalid() }
        let refused = try await runCommand(try GatewayBinary.path(), ["test", invalid])
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("\(invalid):5:9:"), "\(refused.standardError)")
    }

    @Test("a case whose rules file is invalid fails with the rules' problems")
    func invalidRulesFile() async throws {
        let (path, cleanUp) = try self.caseFile("rules: nowhere.yaml\ncases:\n  - name: x\n    steps: [{ request: / }]\n")
        defer { cleanUp() }
        let results = try await CaseRunner().run(file: path).get()
        #expect(results.first?.passed == false)
        #expect(results.first?.error?.contains("no such file") == true, "\(results.first?.error ?? "")")
    }
}
