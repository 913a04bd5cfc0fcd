import Rules

/// What `gateway test` prints: one line per case, and for a failed case the step, each unmet
/// expectation as expected/got, and the response head that was received.
public enum CaseReport {
    public static func lines(file: String, results: [CaseResult]) -> [String] {
        var lines = [file]
        for result in results {
            let milliseconds = Int(result.duration.components.seconds * 1000 + result.duration.components.attoseconds / 1_000_000_000_000_000)
            guard !result.passed else {
                let requests = result.requests == 1 ? "1 request" : "\(result.requests) requests"
                lines.append("  ok    \(result.name)  (\(requests), \(milliseconds) ms)")
                continue
            }
            lines.append("  FAIL  \(result.name)  (\(file):\(result.location.line))")
            if let error = result.error {
                lines += error.split(separator: "\n", omittingEmptySubsequences: false).map { "        \($0)" }
            }
            if let failure = result.failure {
                let repetition = failure.repetition.map { " (repetition \($0))" } ?? ""
                lines.append("        step \(failure.step), line \(failure.location.line): \(failure.action)\(repetition)")
                let width = min(failure.mismatches.map(\.subject.count).max() ?? 0, 32)
                for mismatch in failure.mismatches {
                    let subject = mismatch.subject.padding(toLength: max(width, mismatch.subject.count), withPad: " ", startingAt: 0)
                    lines.append("          \(subject)  expected \(mismatch.expected)")
                    lines.append("          \(String(repeating: " ", count: subject.count))       got \(mismatch.actual)")
                }
                if !failure.responseHead.isEmpty {
                    lines.append("        the response was:")
                    lines += failure.responseHead.map { "          \($0)" }
                }
            }
        }
        return lines
    }

    /// `3 cases: 2 passed, 1 failed`.
    public static func summary(passed: Int, failed: Int) -> String {
        let total = passed + failed
        return "\(total) case\(total == 1 ? "" : "s"): \(passed) passed, \(failed) failed"
    }
}
