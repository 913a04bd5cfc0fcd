import NIOHTTP1

/// Request headers that frameworks and origins believe over the request itself — which host, URL, scheme,
/// port or method it was — and that are not part of the cache key. Passed on, one client could make the
/// origin answer differently for a key every client shares (cache poisoning, as in "Practical Web Cache
/// Poisoning"). The gateway's policy is to drop them before the origin, always; it sets
/// `X-Forwarded-Host`, `X-Forwarded-Proto`, `X-Forwarded-For` and `Via` itself. docs/SECURITY.md lists them.
enum UnkeyedRequestHeaders {
    static let dropped: Set<String> = [
        "forwarded", "front-end-https",
        "x-host", "x-original-host", "x-http-host-override", "x-forwarded-server",
        "x-original-url", "x-rewrite-url", "x-forwarded-prefix", "x-forwarded-path",
        "x-forwarded-scheme", "x-forwarded-protocol", "x-forwarded-ssl", "x-url-scheme", "x-forwarded-port",
        "x-http-method-override", "x-http-method", "x-method-override", "x-original-method",
    ]

    static func strip(_ headers: inout HTTPHeaders) {
        // Most requests carry none: one pass on the first byte and the length, nothing allocated.
        guard headers.contains(where: { Self.mayBeDropped($0.name) }) else { return }
        let names = headers.map(\.name).filter { Self.mayBeDropped($0) && Self.dropped.contains($0.lowercased()) }
        for name in names { headers.remove(name: name) }
    }

    private static func mayBeDropped(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        let count = name.utf8.count
        switch first {
        case UInt8(ascii: "x"), UInt8(ascii: "X"): return count >= 6 && count <= 22
        case UInt8(ascii: "f"), UInt8(ascii: "F"): return count == 9 || count == 15
        default: return false
        }
    }
}
