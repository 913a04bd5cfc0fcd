import ArgumentParser
import CaseRunner
import Foundation
import Rules

struct Test: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run cache-behaviour case files against the real gateway and a scripted origin.",
        discussion: """
            Each case starts a gateway on its rules file (memory only, on a clock the case moves) in front of a scripted origin, both on free 127.0.0.1 ports, sends its requests and checks the responses and what reached the origin. The format is in docs/TESTING.md; examples/cases/ has cases for the shipped rules.yaml.

            Exit status: 0 when every case passed, 1 when one failed, 2 when a case file is invalid.
            """
    )

    @Argument(help: "Case files, or directories whose *.yaml files are case files.")
    var cases: [String]

    @Option(name: .long, help: "Run only the cases whose name contains this text.")
    var filter: String?

    func run() async throws {
        let files: [String]
        do {
            files = try Self.caseFiles(self.cases)
        } catch let error as ValidationError {
            printError("gateway test: \(error.message)")
            throw ExitCode(2)
        }
        let runner = CaseRunner(filter: self.filter)
        var passed = 0
        var failed = 0
        var invalid = 0
        for file in files {
            switch await runner.run(file: file) {
            case .failure(let problems):
                printError(problems.rendered(file: file))
                let count = problems.problems.count
                printError("\(file): \(count) problem\(count == 1 ? "" : "s"); its cases did not run")
                invalid += 1
            case .success(let results):
                printOut(CaseReport.lines(file: file, results: results).joined(separator: "\n"))
                passed += results.filter(\.passed).count
                failed += results.filter { !$0.passed }.count
            }
        }
        printOut(CaseReport.summary(passed: passed, failed: failed) + (invalid > 0 ? "; \(invalid) file\(invalid == 1 ? "" : "s") invalid" : ""))
        if invalid > 0 { throw ExitCode(2) }
        if failed > 0 { throw ExitCode(1) }
        if passed == 0 {
            printError("gateway test: no case ran" + (self.filter.map { " (none matches --filter \"\($0)\")" } ?? ""))
            throw ExitCode(1)
        }
    }

    /// Files as given; directories expand to their *.yaml and *.yml files, sorted.
    static func caseFiles(_ arguments: [String]) throws -> [String] {
        var files: [String] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw ValidationError("no such file or directory: \(argument)")
            }
            guard isDirectory.boolValue else {
                files.append(argument)
                continue
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: argument)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
            guard !names.isEmpty else { throw ValidationError("\(argument) has no .yaml case files") }
            let base = argument.hasSuffix("/") ? String(argument.dropLast()) : argument
            files += names.map { "\(base)/\($0)" }
        }
        return files
    }
}

/// Standard output written at once, so it interleaves with standard error in the order it happened.
func printOut(_ text: String) {
    FileDescriptorOutput.write(text + "\n", to: 1)
}
