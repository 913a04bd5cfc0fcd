extension Rate {
    /// Reads `COUNT/UNIT` with UNIT one of `s`, `min`, `h`: `100/min`, `20/s`, `5000/h`.
    public static func parse(_ text: String) -> Result<Rate, ValueSyntaxError> {
        let usage = "expected COUNT/UNIT with UNIT one of s, min, h (e.g. 100/min)"
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .failure(ValueSyntaxError(usage)) }
        let countText = parts[0].trimmingSpaces
        guard !countText.isEmpty, countText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return .failure(ValueSyntaxError(usage))
        }
        guard let count = Int(countText) else { return .failure(ValueSyntaxError("the count is too large; \(usage)")) }
        let unitText = parts[1].trimmingSpaces
        if let unit = Unit(rawValue: String(unitText)) { return .success(Rate(count: count, per: unit)) }
        switch unitText.lowercased() {
        case "m": return .failure(ValueSyntaxError("`m` is ambiguous: write \(count)/min for minutes; \(usage)"))
        case "d", "day", "days": return .failure(ValueSyntaxError("rates per day are not supported: write \(max(1, count / 24))/h; \(usage)"))
        default: return .failure(ValueSyntaxError(usage))
        }
    }
}
