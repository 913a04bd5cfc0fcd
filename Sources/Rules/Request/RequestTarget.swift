/// An origin-form request target (`/a/b?x=1`) in the one spelling used for matching, cache keys and the
/// request forwarded to the origin, so a rule or a cache entry cannot be dodged by spelling a path differently.
public struct RequestTarget: Sendable, Hashable, CustomStringConvertible {
    /// Normalised: unreserved characters percent-decoded, other escapes in upper case, bytes above 0x7F
    /// percent-encoded, dot-segments removed (never above the root), runs of `/` collapsed.
    public var path: String
    /// As the client sent it, without the `?`; nil when the target has no `?`.
    public var query: String?

    public init(path: String, query: String?) {
        self.path = path
        self.query = query
    }

    /// `path?query`, or `path` when there is no query.
    public var normalised: String {
        guard let query else { return path }
        return path + "?" + query
    }

    public var description: String { normalised }

    /// Nil for what is not an origin-form target: no leading `/`, a `#`, a control character or space,
    /// `%00`, or a `%` not followed by two hex digits.
    public static func parse(_ uri: String) -> RequestTarget? {
        if let parsed = uri.utf8.withContiguousStorageIfAvailable({ parse(utf8: $0) }) { return parsed }
        return Array(uri.utf8).withUnsafeBufferPointer { parse(utf8: $0) }
    }

    static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> RequestTarget? {
        guard bytes.first == UInt8(ascii: "/") else { return nil }
        var questionMark: Int?
        var pathIsNormal = true
        var previous: UInt8 = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "#") { return nil }
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]),
                      high != 0 || low != 0 else { return nil }
                if questionMark == nil { pathIsNormal = false }
            } else if byte == UInt8(ascii: "?"), questionMark == nil {
                questionMark = index
            } else if questionMark == nil,
                      byte >= 0x80 || (previous == UInt8(ascii: "/") && (byte == UInt8(ascii: "/") || byte == UInt8(ascii: "."))) {
                pathIsNormal = false
            }
            previous = byte
            index += 1
        }
        let pathEnd = questionMark ?? bytes.count
        let query = questionMark.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[($0 + 1)...]), as: UTF8.self) }
        let rawPath = UnsafeBufferPointer(rebasing: bytes[..<pathEnd])
        if pathIsNormal { return RequestTarget(path: String(decoding: rawPath, as: UTF8.self), query: query) }
        return RequestTarget(path: normalisePath(rawPath), query: query)
    }

    /// RFC 3986 6.2.2 in its order: case and percent-encoding first, then dot-segments (5.2.4), here also
    /// collapsing empty segments. Escapes are known to be valid.
    static func normalisePath(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count + 8)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            if byte == UInt8(ascii: "%") {
                let value = hexValue(raw[index + 1])! << 4 | hexValue(raw[index + 2])!
                if isUnreserved(value) {
                    decoded.append(value)
                } else {
                    appendEscape(value, to: &decoded)
                }
                index += 3
                continue
            }
            if byte >= 0x80 { appendEscape(byte, to: &decoded) } else { decoded.append(byte) }
            index += 1
        }

        var output: [UInt8] = [UInt8(ascii: "/")]
        output.reserveCapacity(decoded.count)
        var segmentStarts: [Int] = []  // where each kept segment begins in `output`
        var endsWithSlash = false
        let segments = decoded.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        for (position, segment) in segments.enumerated() {
            let isLast = position == segments.count - 1
            if segment.isEmpty || segment.elementsEqual([UInt8(ascii: ".")]) {
                endsWithSlash = isLast
            } else if segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                if let start = segmentStarts.popLast() { output.removeSubrange(start...) }
                endsWithSlash = isLast
            } else {
                // Popping a segment removes it with the `/` before it; the first one keeps the root `/`.
                segmentStarts.append(output.count)
                if output.count > 1 { output.append(UInt8(ascii: "/")) }
                output.append(contentsOf: segment)
                endsWithSlash = false
            }
        }
        if endsWithSlash, output.count > 1 { output.append(UInt8(ascii: "/")) }
        return String(decoding: output, as: UTF8.self)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func upperHexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }

    private static func appendEscape(_ byte: UInt8, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "%"))
        output.append(upperHexDigit(byte >> 4))
        output.append(upperHexDigit(byte & 0x0F))
    }
}
