/// What a request's Accept-Encoding allows (RFC 9110 12.5.3), reduced to the codings the gateway can send.
public struct AcceptEncoding: Sendable, Hashable {
    /// q-values in thousandths (0...1000); 0 means refused. Unnamed identity is 1: acceptable, least wanted.
    public let brotli: Int
    public let gzip: Int
    public let identity: Int

    /// `headerValue` is every Accept-Encoding field line joined with `,`; nil when the request has none, which
    /// gets identity: a client that says nothing is sent an uncompressed body.
    public init(_ headerValue: String?) {
        guard let headerValue else {
            (brotli, gzip, identity) = (0, 0, 1000)
            return
        }
        var brotli: Int?
        var gzip: Int?
        var identity: Int?
        var wildcard: Int?
        for element in headerValue.split(separator: ",") {
            let parts = element.split(separator: ";")
            guard let first = parts.first else { continue }
            let coding = first.trimmingSpaces.lowercased()
            var quality = 1000
            var valid = true
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingSpaces.lowercased() == "q" else { continue }
                if let q = Self.qvalue(pair[1].trimmingSpaces) { quality = q } else { valid = false }
            }
            guard valid else { continue }  // a malformed weight: ignore the element rather than guess
            switch coding {
            case "br": brotli = quality
            case "gzip", "x-gzip": gzip = quality
            case "identity": identity = quality
            case "*": wildcard = quality
            default: break
            }
        }
        self.brotli = brotli ?? wildcard ?? 0
        self.gzip = gzip ?? wildcard ?? 0
        // identity is acceptable unless named with q=0, or excluded by `*;q=0` without being named; left
        // unnamed it is the last resort (weight 0.001), so `gzip;q=0.5` still gets gzip.
        self.identity = identity ?? wildcard ?? 1
    }

    /// From a request's header fields: every Accept-Encoding line (any case) counts.
    public init(headers: [(String, String)]) {
        let values = headers.filter { $0.0.lowercased() == "accept-encoding" }.map(\.1)
        self.init(values.isEmpty ? nil : values.joined(separator: ","))
    }

    public func quality(of coding: ContentCoding) -> Int {
        switch coding {
        case .brotli: return brotli
        case .gzip: return gzip
        case .identity: return identity
        }
    }

    /// The acceptable coding with the highest weight, br before gzip before identity on ties; nil when the
    /// client refuses all three.
    public var preferred: ContentCoding? {
        var best: ContentCoding?
        for coding in ContentCoding.allCases where quality(of: coding) > 0 {
            if best == nil || quality(of: coding) > quality(of: best!) { best = coding }
        }
        return best
    }

    /// `0`, `0.5`, `1`, `1.000`: at most three decimals, not above 1.
    static func qvalue(_ text: Substring) -> Int? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, whole == "0" || whole == "1" else { return nil }
        var thousandths = whole == "1" ? 1000 : 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard fraction.count <= 3, fraction.utf8.allSatisfy(isDigit) else { return nil }
            let padded = Int(fraction + String(repeating: "0", count: 3 - fraction.count)) ?? 0
            if whole == "1", padded != 0 { return nil }
            thousandths += padded
        }
        return thousandths
    }
}
