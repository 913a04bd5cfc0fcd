/// The directives of a `Cache-Control` header (RFC 9111 5.2), request or response. Unknown directives
/// are ignored; a malformed delta-seconds makes its directive count as absent, except `max-age`,
/// which then means "stale" (RFC 9111 4.2.1: treat an invalid max-age as already expired).
public struct CacheControl: Sendable, Hashable {
    public var maxAge: Int64?
    public var sharedMaxAge: Int64?
    public var noStore = false
    /// `no-cache`, with or without field names (field-named no-cache is treated as whole no-cache).
    public var noCache = false
    public var isPrivate = false
    public var isPublic = false
    public var mustRevalidate = false
    public var proxyRevalidate = false
    public var immutable = false
    public var noTransform = false
    public var mustUnderstand = false
    public var staleWhileRevalidate: Int64?
    public var staleIfError: Int64?
    public var onlyIfCached = false
    public var maxStale: Int64?
    public var minFresh: Int64?

    public init() {}

    /// Parses every `Cache-Control` value of a message (several headers are one comma list).
    public init<S: Sequence>(values: S) where S.Element: StringProtocol {
        for value in values {
            for directive in Self.split(value) {
                self.apply(directive)
            }
        }
    }

    public init(_ value: String) { self.init(values: [value]) }

    public var isEmpty: Bool { self == CacheControl() }

    private mutating func apply(_ directive: Substring) {
        var name = directive
        var argument: Substring?
        if let equals = directive.firstIndex(of: "=") {
            name = directive[..<equals]
            var value = directive[directive.index(after: equals)...].trimmed
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            argument = value
        }
        switch name.trimmed.lowercased() {
        // Repeated: the first occurrence counts (RFC 9111 4.2.1).
        case "max-age": self.maxAge = self.maxAge ?? argument.flatMap(Self.seconds) ?? 0
        case "s-maxage": self.sharedMaxAge = self.sharedMaxAge ?? argument.flatMap(Self.seconds) ?? 0
        case "no-store": self.noStore = true
        case "no-cache": self.noCache = true
        case "private": self.isPrivate = true
        case "public": self.isPublic = true
        case "must-revalidate": self.mustRevalidate = true
        case "proxy-revalidate": self.proxyRevalidate = true
        case "immutable": self.immutable = true
        case "no-transform": self.noTransform = true
        case "must-understand": self.mustUnderstand = true
        case "stale-while-revalidate": self.staleWhileRevalidate = argument.flatMap(Self.seconds)
        case "stale-if-error": self.staleIfError = argument.flatMap(Self.seconds)
        case "only-if-cached": self.onlyIfCached = true
        case "max-stale": self.maxStale = argument.flatMap(Self.seconds) ?? Int64.max
        case "min-fresh": self.minFresh = argument.flatMap(Self.seconds)
        default: break
        }
    }

    /// delta-seconds: digits only; values past 2^31 are capped there (RFC 9111 1.2.2).
    static func seconds(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let text = text.drop(while: { $0 == "0" })  // leading zeros do not make a value large
        if text.isEmpty { return 0 }
        if text.utf8.count > 10 { return DeltaSeconds.greatest }
        return min(Int64(text) ?? DeltaSeconds.greatest, DeltaSeconds.greatest)
    }

    /// Splits on commas outside quoted strings.
    static func split(_ value: some StringProtocol) -> [Substring] {
        var parts: [Substring] = []
        let text = Substring(value)
        var start = text.startIndex
        var inQuotes = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" { inQuotes.toggle() }
            if character == ",", !inQuotes {
                let part = text[start..<index].trimmed
                if !part.isEmpty { parts.append(part) }
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        let last = text[start...].trimmed
        if !last.isEmpty { parts.append(last) }
        return parts
    }
}

extension Substring {
    var trimmed: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
