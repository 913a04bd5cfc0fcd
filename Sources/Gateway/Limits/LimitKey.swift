import NIOHTTP1
import Rules

/// Who a limit counts: the client IP (IPv6 grouped by prefix), a request header such as an API key, or
/// the IP and path together. Keys are namespaced by rule, so two rules never share a budget.
@_spi(Benchmarks) public enum LimitKey {
    @_spi(Benchmarks) public static func make(rule: String, policy: LimitPolicy, clientIP: String, path: String, headers: HTTPHeaders) -> String {
        let ip = Self.grouped(clientIP, prefix: policy.ipv6Prefix)
        switch policy.key {
        case .clientIP:
            return "\(rule)|ip|\(ip)"
        case .clientIPAndPath:
            return "\(rule)|ip+path|\(ip)|\(path)"
        case .header(let name):
            if let value = headers.first(name: name), !value.isEmpty {
                return "\(rule)|h|\(value)"
            }
            return "\(rule)|ip|\(ip)"
        }
    }

    /// IPv6 addresses count per prefix (a /64 is one subscriber); IPv4 as they are.
    static func grouped(_ ip: String, prefix: Int) -> String {
        // IPv4 (the common case) needs no parsing: it is counted as written.
        if !ip.utf8.contains(UInt8(ascii: ":")) { return ip }
        guard let address = IPAddress(ip) else { return ip }
        if address.isIPv4 { return address.description }
        return "\(address.masked(prefix: prefix).description)/\(prefix)"
    }
}
