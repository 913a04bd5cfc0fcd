/// An address block: `127.0.0.0/8`, `fd00::/8`, or one address (`10.0.0.1` is `10.0.0.1/32`).
/// IPv4 blocks also hold the IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) that dual-stack sockets report.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the block (host bits are zero).
    public let address: IPAddress
    /// Prefix length in the address's own family: 0...32 for IPv4, 0...128 for IPv6.
    public let prefixLength: Int

    /// Nil when `address` has bits set past `prefixLength` or the length is out of range.
    public init?(address: IPAddress, prefixLength: Int) {
        guard prefixLength >= 0, prefixLength <= (address.isIPv4 ? 32 : 128) else { return nil }
        guard address.masked(prefix: prefixLength) == address else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Reads `ADDRESS/LENGTH` or a single `ADDRESS`, saying what to write instead when it cannot.
    public static func parse(_ text: String) -> Result<CIDR, ValueSyntaxError> {
        let usage = "expected an address block such as 10.0.0.0/8 or fd00::/8, or one address such as 192.0.2.1"
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else {
            return .failure(ValueSyntaxError("\(parts[0]) is not an IP address; \(usage)"))
        }
        // `::ffff:10.0.0.0/104` is written in IPv6 bits but is an IPv4 block: count its length in IPv4 bits.
        let writtenAsIPv6 = parts[0].contains(":")
        let maximum = writtenAsIPv6 ? 128 : 32
        var length = address.isIPv4 ? 32 : 128
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].utf8.allSatisfy(isDigit), let parsed = Int(parts[1]), parsed <= maximum else {
                return .failure(ValueSyntaxError("the prefix length must be a number from 0 to \(maximum); \(usage)"))
            }
            length = parsed
            if address.isIPv4, writtenAsIPv6 {
                guard parsed >= 96 else {
                    return .failure(ValueSyntaxError("an IPv4-mapped block needs a prefix length of at least 96: write it as an IPv4 block such as 10.0.0.0/8"))
                }
                length = parsed - 96
            }
        }
        guard let block = CIDR(address: address, prefixLength: length) else {
            let network = address.masked(prefix: length)
            return .failure(ValueSyntaxError("\(text) has bits set after the first \(length): write \(network)/\(length)"))
        }
        return .success(block)
    }

    public func contains(_ candidate: IPAddress) -> Bool {
        if address.isIPv4, !candidate.isIPv4 { return false }
        let bits = address.isIPv4 ? 96 + prefixLength : prefixLength
        let mask = IPAddress.mask(bits)
        return candidate.high & mask.high == address.high && candidate.low & mask.low == address.low
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
