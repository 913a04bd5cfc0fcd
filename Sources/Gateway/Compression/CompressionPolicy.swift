import CacheSemantics
import NIOHTTP1
import Rules

/// Step 6's compression decision: which coding a response goes out in. br before gzip before identity
/// on equal q-values; `q=0` excludes. Nothing already encoded, marked `no-transform`, partial, empty,
/// too small, or of a type not listed in `compression.types` is compressed.
enum CompressionPolicy {
    /// The coding to produce for this client, or nil to leave the body as it is.
    static func coding(
        for response: HTTPResponseHead, request: HTTPRequestHead, config: CompressionConfig, ruleAllows: Bool
    ) -> ContentCoding? {
        guard ruleAllows, request.method != .HEAD else { return nil }
        // What the client takes first: most API clients take nothing, and then the response is not read.
        let accepted = AcceptEncoding(request.headers[canonicalForm: "accept-encoding"].joined(separator: ", ").nilIfEmpty)
        guard let preferred = accepted.preferred, preferred != .identity, Self.compressible(response, config: config) else { return nil }
        return preferred
    }

    /// Whether a response may be compressed at all, whoever asks.
    static func compressible(_ response: HTTPResponseHead, config: CompressionConfig) -> Bool {
        switch response.status.code {
        case 200, 201, 202, 203, 404, 410, 500...599: break
        default: return false
        }
        // Cheapest checks first: this runs for every streamed response.
        if let length = response.headers.first(name: "content-length").flatMap(Int.init), length < config.minSize.bytes { return false }
        guard let contentType = response.headers.first(name: "content-type"), let essence = MediaTypePattern.essence(of: contentType),
            config.types.contains(where: { $0.matches(type: essence.type, subtype: essence.subtype) })
        else { return false }
        if let encoding = response.headers.first(name: "content-encoding"), encoding.lowercased() != "identity" { return false }
        if response.headers.contains(name: "content-range") { return false }
        let cacheControl = response.headers["cache-control"]
        if !cacheControl.isEmpty, CacheControl(values: cacheControl).noTransform { return false }
        return true
    }

    /// Headers for a body the gateway encoded: Content-Encoding, Vary merged without duplicates, the
    /// length of this variant (or none while streaming), and a weak ETag (as nginx does) since the bytes differ.
    static func markEncoded(_ headers: inout HTTPHeaders, coding: ContentCoding, length: Int?) {
        headers.replaceOrAdd(name: "content-encoding", value: coding.rawValue)
        if let length {
            headers.replaceOrAdd(name: "content-length", value: String(length))
        } else {
            headers.remove(name: "content-length")
        }
        Self.addVaryAcceptEncoding(&headers)
        if let etag = headers.first(name: "etag"), !etag.hasPrefix("W/") {
            headers.replaceOrAdd(name: "etag", value: "W/" + etag)
        }
        headers.remove(name: "accept-ranges")
    }

    /// `Vary: Accept-Encoding`, merged with what the origin listed.
    static func addVaryAcceptEncoding(_ headers: inout HTTPHeaders) {
        var names: [String] = []
        for value in headers[canonicalForm: "vary"] {
            let name = String(value).trimmingCharacters(in: " \t")
            if !name.isEmpty, !names.contains(where: { $0.lowercased() == name.lowercased() }) { names.append(name) }
        }
        if names.contains("*") { return }
        if !names.contains(where: { $0.lowercased() == "accept-encoding" }) { names.append("Accept-Encoding") }
        headers.replaceOrAdd(name: "vary", value: names.joined(separator: ", "))
    }
}

extension String {
    var nilIfEmpty: String? { self.isEmpty ? nil : self }
}
