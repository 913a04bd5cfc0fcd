extension HostPattern {
    /// Whether a Host value fits: case-insensitive, a `:port` and one trailing dot ignored, `[v6]` unbracketed.
    public func matches(_ host: String) -> Bool {
        if let result = host.utf8.withContiguousStorageIfAvailable({ matches(utf8: $0) }) { return result }
        return Array(host.utf8).withUnsafeBufferPointer { matches(utf8: $0) }
    }

    func matches(utf8 host: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        var end = host.count
        if host.first == UInt8(ascii: "[") {
            guard let close = host.firstIndex(of: UInt8(ascii: "]")) else { return false }
            start = 1
            end = close
        } else if let colon = host.firstIndex(of: UInt8(ascii: ":")), host.lastIndex(of: UInt8(ascii: ":")) == colon {
            end = colon
        }
        if end > start, host[end - 1] == UInt8(ascii: ".") { end -= 1 }
        let length = end - start
        if isWildcard {
            guard length > name.count else { return false }
            return Self.equalIgnoringCase(host, from: end - name.count, name)
        }
        guard length == name.count else { return false }
        return Self.equalIgnoringCase(host, from: start, name)
    }

    private static func equalIgnoringCase(_ host: UnsafeBufferPointer<UInt8>, from start: Int, _ lowercased: [UInt8]) -> Bool {
        for (offset, expected) in lowercased.enumerated() {
            var byte = host[start + offset]
            if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte += 32 }
            if byte != expected { return false }
        }
        return true
    }
}
