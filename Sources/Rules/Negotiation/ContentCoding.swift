/// The encodings the gateway can send a body in, by their Content-Encoding tokens.
public enum ContentCoding: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case brotli = "br"
    case gzip = "gzip"
    case identity = "identity"

    public var description: String { rawValue }
}
