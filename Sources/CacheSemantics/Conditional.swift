/// Client conditionals answered from the cache (RFC 9110 13): If-None-Match with weak comparison,
/// If-Modified-Since when no If-None-Match is present.
public enum Conditional {
    /// True when the client's copy is current, i.e. the answer is 304 Not Modified.
    public static func notModified(
        ifNoneMatch: [Substring], ifModifiedSince: Substring?, etag: String?, lastModified: Int64?, date: Int64?
    ) -> Bool {
        if !ifNoneMatch.isEmpty {
            // `*` matches any current representation, with or without an ETag (RFC 9110 13.1.2).
            let current = etag.map { Self.opaque(Substring($0)) }
            for value in ifNoneMatch {
                for candidate in CacheControl.split(value) {
                    if candidate == "*" { return true }
                    if let current, Self.opaque(candidate) == current { return true }
                }
            }
            return false
        }
        if let ifModifiedSince, let since = HTTPDate.parse(ifModifiedSince) {
            guard let modified = lastModified ?? date else { return false }
            return modified <= since
        }
        return false
    }

    /// The entity-tag without its weak prefix: weak comparison.
    static func opaque(_ tag: Substring) -> Substring {
        let trimmed = tag.trimmed
        return trimmed.hasPrefix("W/") ? trimmed.dropFirst(2) : trimmed
    }
}

/// A single byte range request (RFC 9110 14.1.2); several ranges are answered whole.
public enum ByteRangeRequest: Sendable, Equatable {
    /// Serve these inclusive bounds with 206.
    case satisfiable(first: Int, last: Int)
    /// 416 with `Content-Range: bytes */length`.
    case unsatisfiable
    /// Not a single bytes range we serve: answer 200 with the whole body.
    case ignored

    public static func parse(_ header: Substring?, length: Int) -> ByteRangeRequest {
        guard let header else { return .ignored }
        let value = header.trimmed
        guard value.lowercased().hasPrefix("bytes=") else { return .ignored }
        let spec = value.dropFirst(6)
        guard !spec.contains(",") else { return .ignored }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .ignored }
        let startText = parts[0].trimmed
        let endText = parts[1].trimmed
        if startText.isEmpty {
            // suffix: the last N bytes
            guard let suffix = Int(endText), suffix >= 0 else { return .ignored }
            guard suffix > 0 else { return .unsatisfiable }
            // Satisfiable on an empty body (RFC 9110 14.1.1) but with no byte to send: answer 200, not 416.
            guard length > 0 else { return .ignored }
            return .satisfiable(first: max(0, length - suffix), last: length - 1)
        }
        guard let first = Int(startText), first >= 0 else { return .ignored }
        var last = length - 1
        if !endText.isEmpty {
            guard let end = Int(endText), end >= first else { return .ignored }
            last = min(end, length - 1)
        }
        guard first < length else { return .unsatisfiable }
        return .satisfiable(first: first, last: last)
    }
}
