extension Duration {
    /// Reads the rules.yaml spelling of a time span: a whole number and one of `ms`, `s`, `min`, `h`, `d`
    /// (`500ms`, `30s`, `5min`, `2h`, `365d`). `m` is refused: minutes or metres or months is a guess.
    public static func parse(_ text: String) -> Result<Duration, ValueSyntaxError> {
        let usage = "expected a whole number and a unit, one of ms, s, min, h, d (e.g. 30s, 5min, 365d)"
        let digits = text.utf8.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        let unit = Substring(text.utf8.dropFirst(digits.count))
        guard !digits.isEmpty else {
            if text.hasPrefix("-") { return .failure(ValueSyntaxError("a time span cannot be negative; \(usage)")) }
            return .failure(ValueSyntaxError(usage))
        }
        guard let count = Int64(Substring(digits)) else {
            return .failure(ValueSyntaxError("the number is too large; \(usage)"))
        }
        let unitSeconds: Int64
        switch unit {
        case "ms":
            return .success(.milliseconds(count))
        case "s": unitSeconds = 1
        case "min": unitSeconds = 60
        case "h": unitSeconds = 3600
        case "d": unitSeconds = 86_400
        case "m":
            return .failure(ValueSyntaxError("`m` is ambiguous: write \(count)min for minutes (or \(count)ms for milliseconds)"))
        case "":
            return .failure(ValueSyntaxError("a unit is required: write \(count)s for seconds; \(usage)"))
        default:
            if unit.first == "." || unit.first == "," {
                return .failure(ValueSyntaxError("fractions are not allowed: use a smaller unit (1500ms, not 1.5s); \(usage)"))
            }
            if let hint = Self.unitHint(unit.trimmingSpaces) {
                return .failure(ValueSyntaxError("write \(count)\(hint); \(usage)"))
            }
            return .failure(ValueSyntaxError(usage))
        }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: unitSeconds)
        guard !overflow else { return .failure(ValueSyntaxError("the time span is too large; \(usage)")) }
        return .success(.seconds(seconds))
    }

    /// The canonical unit for a spelling people commonly try (`sec`, `minutes`, `H`, ` s`).
    private static func unitHint(_ unit: Substring) -> String? {
        switch unit.lowercased() {
        case "ms", "msec", "millisecond", "milliseconds": return "ms"
        case "s", "sec", "secs", "second", "seconds": return "s"
        case "min", "mins", "minute", "minutes": return "min"
        case "h", "hr", "hrs", "hour", "hours": return "h"
        case "d", "day", "days": return "d"
        default: return nil
        }
    }
}
