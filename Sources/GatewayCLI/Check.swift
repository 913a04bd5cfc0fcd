import ArgumentParser
import Rules

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a rules file: every problem as FILE:LINE:COL: message, or a summary when valid.",
        discussion: "Exit status: 0 when the file is valid, 1 when it has problems."
    )

    @Argument(help: "The rules file.")
    var file: String = "rules.yaml"

    func run() throws {
        switch ConfigLoader.load(file: self.file) {
        case .success(let config):
            print("\(self.file): ok")
            print(RulesSummary.render(config))
        case .failure(let problems):
            printError(problems.rendered(file: self.file))
            let count = problems.problems.count
            printError("\(self.file): \(count) problem\(count == 1 ? "" : "s"); nothing was changed")
            throw ExitCode(1)
        }
    }
}

func printError(_ text: String) {
    var standardError = StandardError()
    print(text, to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileDescriptorOutput.write(string, to: 2)
    }
}
