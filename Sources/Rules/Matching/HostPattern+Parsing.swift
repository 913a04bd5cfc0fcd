extension HostPattern {
    /// Reads `example.com`, `*.example.com` (any subdomain, not the apex), an IP address, or `[v6]`.
    public static func parse(_ text: String) -> Result<HostPattern, ValueSyntaxError> {
        let usage = "expected a host name such as example.com, *.example.com for its subdomains, or an IP address"
        if text == "*" {
            return .failure(ValueSyntaxError("`*` alone is not a host pattern: leave `hosts` out to match every host"))
        }
        if text.hasPrefix("["), text.hasSuffix("]"), let address = IPAddress(text.dropFirst().dropLast()), !address.isIPv4 {
            return .success(HostPattern(String(text.dropFirst().dropLast())))
        }
        if IPAddress(text) != nil { return .success(HostPattern(text)) }
        if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
            return .failure(ValueSyntaxError("hosts are matched without the port: write \(text[..<colon])"))
        }
        let name = text.hasPrefix("*.") ? String(text.dropFirst(2)) : text
        if name.contains("*") {
            return .failure(ValueSyntaxError("`*` may only stand for the subdomains at the start, as in *.example.com; \(usage)"))
        }
        guard isHostName(name) else { return .failure(ValueSyntaxError(usage)) }
        let trimmed = text.hasSuffix(".") ? String(text.dropLast()) : text
        return .success(HostPattern(trimmed))
    }

    /// Dot-separated labels of letters, digits, `-` and `_`, each 1 to 63 long, not starting or ending with `-`.
    /// One trailing dot (the fully qualified spelling) is allowed.
    public static func isHostName(_ text: some StringProtocol) -> Bool {
        let bytes = Array(text.utf8)
        var labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if labels.count > 1, labels.last?.isEmpty == true { labels.removeLast() }
        guard !labels.isEmpty, bytes.count <= 253 else { return false }
        return labels.allSatisfy { label in
            guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
            return label.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                     UInt8(ascii: "-"), UInt8(ascii: "_"):
                    return true
                default:
                    return false
                }
            }
        }
    }
}
