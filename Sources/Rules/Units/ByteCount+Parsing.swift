extension ByteCount {
    /// Reads a size: bytes as a bare number (`1024`, or `1024B`), binary units `KiB`, `MiB`, `GiB`, `TiB`,
    /// or decimal units `KB`, `MB`, `GB`, `TB` (powers of 1000). Units are case-sensitive: `kib` is refused.
    public static func parse(_ text: String) -> Result<ByteCount, ValueSyntaxError> {
        let usage = "expected a whole number of bytes or a number and one of KiB, MiB, GiB, TiB (or KB, MB, GB, TB for powers of 1000), e.g. 16MiB"
        let digits = text.utf8.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        let unit = Substring(text.utf8.dropFirst(digits.count))
        guard !digits.isEmpty else {
            if text.hasPrefix("-") { return .failure(ValueSyntaxError("a size cannot be negative; \(usage)")) }
            return .failure(ValueSyntaxError(usage))
        }
        guard let count = Int(Substring(digits)) else { return .failure(ValueSyntaxError("the number is too large; \(usage)")) }
        let multiplier: Int
        switch unit {
        case "", "B": multiplier = 1
        case "KiB": multiplier = 1 << 10
        case "MiB": multiplier = 1 << 20
        case "GiB": multiplier = 1 << 30
        case "TiB": multiplier = 1 << 40
        case "KB", "kB": multiplier = 1000
        case "MB": multiplier = 1_000_000
        case "GB": multiplier = 1_000_000_000
        case "TB": multiplier = 1_000_000_000_000
        default:
            if unit.first == "." || unit.first == "," {
                return .failure(ValueSyntaxError("fractions are not allowed: use a smaller unit (1536KiB, not 1.5MiB); \(usage)"))
            }
            if let canonical = Self.canonicalUnit(unit.trimmingSpaces) {
                return .failure(ValueSyntaxError("units are case-sensitive and written without a space: write \(count)\(canonical)"))
            }
            return .failure(ValueSyntaxError(usage))
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return .failure(ValueSyntaxError("the size is too large; \(usage)")) }
        return .success(ByteCount(bytes: bytes))
    }

    private static func canonicalUnit(_ unit: Substring) -> String? {
        switch unit.lowercased() {
        case "b", "byte", "bytes": return "B"
        case "kib", "k", "ki": return "KiB"
        case "mib", "m", "mi": return "MiB"
        case "gib", "g", "gi": return "GiB"
        case "tib", "t", "ti": return "TiB"
        case "kb": return "KB (or KiB for 1024)"
        case "mb": return "MB (or MiB for 1024²)"
        case "gb": return "GB (or GiB for 1024³)"
        case "tb": return "TB (or TiB for 1024⁴)"
        default: return nil
        }
    }
}
