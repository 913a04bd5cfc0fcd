extension ConfigReader {
    /// A rule that an earlier rule always wins over is a mistake: say which rule takes its requests.
    mutating func checkShadowing(_ rules: [Rule]) {
        for (index, rule) in rules.enumerated() {
            if let earlier = rules[..<index].first(where: { $0.matchesEverything(of: rule) }) {
                report(rule.location, "rule `\(rule.name)` can never match: rule `\(earlier.name)` at \(earlier.location) matches everything it does")
            }
        }
    }
}
