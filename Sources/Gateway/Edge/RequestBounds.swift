import NIOHTTP1
import Rules

/// Step 0, admit: what the gateway refuses before it looks at rules.
enum RequestBounds {
    static func refusal(for head: HTTPRequestHead, limits: ServerLimits) -> LocalResponse? {
        if head.uri.utf8.count > limits.maxURIBytes.bytes {
            return LocalResponse(.uriTooLong, "the request target is longer than \(limits.maxURIBytes)", closeConnection: true)
        }
        var headerBytes = head.uri.utf8.count + head.method.rawValue.utf8.count + 12
        for header in head.headers {
            headerBytes += header.name.utf8.count + header.value.utf8.count + 4
        }
        if headerBytes > limits.maxHeaderBytes.bytes {
            return LocalResponse(
                .requestHeaderFieldsTooLarge, "the request head is larger than \(limits.maxHeaderBytes)",
                closeConnection: true
            )
        }
        if head.version.major != 1 {
            return LocalResponse(.httpVersionNotSupported, "only HTTP/1.0 and HTTP/1.1 are served here", closeConnection: true)
        }
        if let refusal = TransferCodings.refusal(head.headers) {
            return refusal
        }
        if head.method == .CONNECT {
            return LocalResponse(.methodNotAllowed, "CONNECT is not proxied", closeConnection: true, headers: ["allow": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"])
        }
        return nil
    }
}

/// A request's Transfer-Encoding, checked before any of its body is read: the one framing the gateway
/// forwards is a final `chunked`, once. Anything else is where request smuggling lives (RFC 9112 6.1, 6.3).
enum TransferCodings {
    /// Codings registered for Transfer-Encoding; the gateway decodes only `chunked`.
    static let registered: Set<String> = ["chunked", "gzip", "x-gzip", "deflate", "compress", "x-compress"]

    static func refusal(_ headers: HTTPHeaders) -> LocalResponse? {
        let fields = headers[canonicalForm: "transfer-encoding"]
        guard !fields.isEmpty else { return nil }
        let codings = fields.map { $0.lowercased() }  // canonicalForm splits on commas and trims
        if let unknown = codings.first(where: { !Self.registered.contains($0) }) {
            return LocalResponse(.notImplemented, "the transfer coding \"\(unknown)\" is not supported", closeConnection: true)
        }
        guard codings.last == "chunked", codings.filter({ $0 == "chunked" }).count == 1 else {
            return LocalResponse(.badRequest, "Transfer-Encoding must end with chunked, once", closeConnection: true)
        }
        if codings.count > 1 {
            return LocalResponse(
                .notImplemented, "only the chunked transfer coding is supported (got \(codings.joined(separator: ", ")))",
                closeConnection: true
            )
        }
        return nil
    }
}

/// Where the request is going: the normalised target and the host, from origin-form or absolute-form.
struct RequestAddress {
    let target: RequestTarget
    /// Lower-case, without port.
    let host: String

    static func resolve(_ head: HTTPRequestHead) -> Result<RequestAddress, LocalResponse> {
        // One pass over the fields: more than one Host, or one listing several, is refused.
        var hostHeader: String?
        for field in head.headers where field.name.utf8.count == 4 && field.name.lowercased() == "host" {
            if hostHeader != nil || field.value.utf8.contains(UInt8(ascii: ",")) {
                return .failure(.badRequest("more than one Host header"))
            }
            hostHeader = field.value
        }
        if hostHeader == nil && head.version == .http1_1 {
            return .failure(.badRequest("HTTP/1.1 requests need a Host header"))
        }
        var uri = head.uri
        if !uri.hasPrefix("/") {
            // absolute-form: accepted only for the host the request already names.
            guard let absolute = AbsoluteURI(uri) else {
                return .failure(.badRequest("the request target must be a path such as /index.html"))
            }
            if let hostHeader, hostHeader.lowercased() != absolute.authority.lowercased() {
                return .failure(.badRequest("the request target names a different host than the Host header"))
            }
            hostHeader = absolute.authority
            uri = absolute.pathAndQuery
        }
        guard let target = RequestTarget.parse(uri) else {
            return .failure(.badRequest("the request target is not a valid path"))
        }
        let host = Self.hostWithoutPort(hostHeader ?? "")
        return .success(RequestAddress(target: target, host: host))
    }

    private static func hostWithoutPort(_ value: String) -> String {
        let lower = value.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) ? value.lowercased() : value
        // Searched as bytes: ASCII delimiters are scalar boundaries, and a Character search walks graphemes.
        let bytes = lower.utf8
        if bytes.first == UInt8(ascii: "[") {
            if let close = bytes.firstIndex(of: UInt8(ascii: "]")) { return String(lower[...close]) }
            return lower
        }
        if let colon = bytes.lastIndex(of: UInt8(ascii: ":")) { return String(lower[..<colon]) }
        return lower
    }
}

/// `http://host[:port]/path?query`
struct AbsoluteURI {
    let authority: String
    let pathAndQuery: String

    init?(_ text: String) {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else if lower.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else {
            return nil
        }
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<slash]
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        self.authority = String(authority)
        let remainder = rest[slash...]
        self.pathAndQuery = remainder.hasPrefix("?") ? "/" + remainder : (remainder.isEmpty ? "/" : String(remainder))
    }
}

/// How the request body is framed, from the head.
struct RequestFraming {
    let contentLength: Int?
    let isChunked: Bool
    let expectsContinue: Bool

    init(_ head: HTTPRequestHead) {
        self.contentLength = head.headers.first(name: "content-length").flatMap { Int($0) }
        self.isChunked = head.headers[canonicalForm: "transfer-encoding"].last?.lowercased() == "chunked"
        self.expectsContinue = head.headers.first(name: "expect")?.lowercased() == "100-continue"
    }

    var hasBody: Bool { self.isChunked || (self.contentLength ?? 0) > 0 }
}
