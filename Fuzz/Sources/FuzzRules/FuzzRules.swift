// Fuzz target `rules`: rules.yaml from arbitrary bytes, as `gateway check` reads it.
//
// load(yaml:) composes the YAML (Yams/libyaml), walks it into a GatewayConfig and validates it; a failure is
// every problem with its line:column, rendered as `FILE:LINE:COL: message`. A valid file is summarised as
// `gateway check` prints it, and explained for one request as `gateway explain` does.
// Checked beyond "does not crash": problems come back sorted by position, none at a negative position,
// and a failure has at least one problem.
import Rules

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRules(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let yaml = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)  // lossy: U+FFFD
    switch ConfigLoader.load(yaml: yaml) {
    case .success(let config):
        _ = RulesSummary.render(config)
        let request = RequestFacts(method: "GET", host: "example.com", path: "/assets/app.js", query: "v=1")
        _ = Explanation.render(config: config, request: request, headers: [("accept-encoding", "br, gzip")])
        _ = config.decide(request)
    case .failure(let problems):
        precondition(!problems.problems.isEmpty, "a failed load with no problem in it")
        var previous = SourceLocation(line: 0, column: 0)
        for problem in problems.problems {
            let location = problem.location
            precondition(location.line >= 0 && location.column >= 0, "problem at a negative position: \(problem)")
            precondition(
                (previous.line, previous.column) <= (location.line, location.column),
                "problems out of order: \(previous) before \(location)"
            )
            previous = location
        }
        let rendered = problems.rendered(file: "rules.yaml")
        precondition(rendered.hasPrefix("rules.yaml:"), "rendered problems do not start with the file name")
    }
    return 0
}
