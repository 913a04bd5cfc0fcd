/// An IPv4 or IPv6 address as 128 bits. IPv4 addresses are held in their IPv4-mapped form (`::ffff:a.b.c.d`),
/// so `1.2.3.4` and `::ffff:1.2.3.4` (what a dual-stack socket reports) are the same client.
public struct IPAddress: Sendable, Hashable, Comparable {
    /// The first 64 bits, network order (most significant first).
    public let high: UInt64
    /// The last 64 bits.
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init(ipv4 value: UInt32) {
        self.init(high: 0, low: 0x0000_FFFF_0000_0000 | UInt64(value))
    }

    /// From 4 (IPv4) or 16 (IPv6) bytes in network order, as sockets give them.
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4:
            self.init(ipv4: bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        case 16:
            let high = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = bytes.dropFirst(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self.init(high: high, low: low)
        default:
            return nil
        }
    }

    /// Whether this is an IPv4 address (held as `::ffff:a.b.c.d`).
    public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The IPv4 address as a number, nil for IPv6.
    public var ipv4: UInt32? { isIPv4 ? UInt32(truncatingIfNeeded: low) : nil }

    public var isLoopback: Bool {
        if let v4 = ipv4 { return v4 >> 24 == 127 }
        return high == 0 && low == 1
    }

    /// The address with all but the first `prefix` bits cleared. For IPv4 addresses `prefix` counts IPv4 bits
    /// (0...32), for IPv6 addresses IPv6 bits (0...128): `masked(prefix: 64)` groups an IPv6 client by its /64.
    public func masked(prefix: Int) -> IPAddress {
        let bits = isIPv4 ? 96 + min(max(prefix, 0), 32) : min(max(prefix, 0), 128)
        let masked = IPAddress.mask(bits)
        let result = IPAddress(high: high & masked.high, low: low & masked.low)
        // Masking an IPv4 address keeps it IPv4: the ::ffff: marker lies inside the first 96 bits.
        return result
    }

    /// The 128-bit mask with the first `bits` bits set.
    static func mask(_ bits: Int) -> (high: UInt64, low: UInt64) {
        let high: UInt64 = bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> UInt64(bits))
        let low: UInt64 = bits <= 64 ? 0 : bits >= 128 ? .max : ~(UInt64.max >> UInt64(bits - 64))
        return (high, low)
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
