extension IPAddress {
    /// Reads `192.0.2.1`, `2001:db8::1`, `::1`, `::ffff:192.0.2.1`. No brackets, no zone (`%eth0`), no port.
    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        if utf8.contains(UInt8(ascii: ":")) {
            guard let (high, low) = IPAddress.parseIPv6(utf8[...]) else { return nil }
            self.init(high: high, low: low)
        } else {
            guard let v4 = IPAddress.parseIPv4(utf8[...]) else { return nil }
            self.init(ipv4: v4)
        }
    }

    /// Dotted quad, four decimal numbers 0...255 without leading zeros (`010` is octal to some tools: refused).
    static func parseIPv4(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var octets = 0
        for part in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(isDigit) else { return nil }
            guard part.count == 1 || part.first != UInt8(ascii: "0") else { return nil }
            let octet = part.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard octet <= 255 else { return nil }
            value = value << 8 | UInt32(octet)
            octets += 1
        }
        return octets == 4 ? value : nil
    }

    /// RFC 4291 2.2 text forms: eight groups, one `::`, optionally a dotted quad in the last 32 bits.
    static func parseIPv6(_ bytes: ArraySlice<UInt8>) -> (UInt64, UInt64)? {
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawDoubleColon = false
        var rest = bytes
        if rest.starts(with: [UInt8(ascii: ":"), UInt8(ascii: ":")]) {
            sawDoubleColon = true
            rest = rest.dropFirst(2)
            if rest.isEmpty { return (0, 0) }
        } else if rest.first == UInt8(ascii: ":") {
            return nil
        }
        while !rest.isEmpty {
            let end = rest.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex
            let group = rest[rest.startIndex..<end]
            let isLast = end == rest.endIndex
            if isLast, group.contains(UInt8(ascii: ".")) {
                guard let v4 = parseIPv4(group) else { return nil }
                let pair = [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                if sawDoubleColon { tail += pair } else { head += pair }
                rest = rest[end...]
                break
            }
            guard !group.isEmpty, group.count <= 4, let value = parseHex(group) else { return nil }
            if sawDoubleColon { tail.append(value) } else { head.append(value) }
            rest = rest[end...]
            if rest.isEmpty { break }
            rest = rest.dropFirst()  // the ':'
            if rest.first == UInt8(ascii: ":") {
                guard !sawDoubleColon else { return nil }
                sawDoubleColon = true
                rest = rest.dropFirst()
                if rest.isEmpty { break }
            } else if rest.isEmpty {
                return nil  // a trailing single ':'
            }
        }
        let count = head.count + tail.count
        if sawDoubleColon {
            guard count <= 7 else { return nil }
        } else {
            guard count == 8 else { return nil }
        }
        let groups = head + Array(repeating: 0, count: 8 - count) + tail
        let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }

    private static func parseHex(_ bytes: ArraySlice<UInt8>) -> UInt16? {
        var value: UInt16 = 0
        for byte in bytes {
            guard let digit = hexValue(byte) else { return nil }
            value = value << 4 | UInt16(digit)
        }
        return value
    }
}
