extension PathPattern {
    /// Whether the whole (normalised) path fits the glob, compared byte for byte.
    public func matches(_ path: String) -> Bool {
        if let result = path.utf8.withContiguousStorageIfAvailable({ matches(utf8: $0) }) { return result }
        return Array(path.utf8).withUnsafeBufferPointer { matches(utf8: $0) }
    }

    /// `*` runs are matched leftmost-first: with only `*` as a wildcard, the earliest place for each literal
    /// leaves the most room for the rest, so one pass decides.
    func matches(utf8 path: UnsafeBufferPointer<UInt8>) -> Bool {
        guard path.count >= minimumLength else { return false }
        if segments.count == 1 { return path.elementsEqual(segments[0]) }
        let first = segments[0]
        let last = segments[segments.count - 1]
        guard path.starts(with: first), path.suffix(last.count).elementsEqual(last) else { return false }
        var position = first.count
        let end = path.count - last.count
        for literal in segments[1..<(segments.count - 1)] where !literal.isEmpty {
            guard let found = Self.find(literal, in: path, from: position, to: end) else { return false }
            position = found + literal.count
        }
        return true
    }

    private static func find(_ literal: [UInt8], in path: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        guard end - start >= literal.count else { return nil }
        let head = literal[0]
        var index = start
        while index <= end - literal.count {
            if path[index] == head {
                var offset = 1
                while offset < literal.count, path[index + offset] == literal[offset] { offset += 1 }
                if offset == literal.count { return index }
            }
            index += 1
        }
        return nil
    }

    /// Whether the pattern is the catch-all `*` or `/*`.
    public var matchesEveryPath: Bool { pattern == "*" || pattern == "/*" }

    /// Whether every path this pattern matches is also matched by `wider` (a sufficient test, not a complete one:
    /// equal patterns, or `wider` is `PREFIX*` and this pattern starts with `PREFIX`).
    func isCovered(by wider: PathPattern) -> Bool {
        if wider.pattern == pattern || wider.pattern == "*" { return true }
        guard wider.segments.count == 2, wider.segments[1].isEmpty else { return false }
        return pattern.utf8.starts(with: wider.segments[0])
    }
}
