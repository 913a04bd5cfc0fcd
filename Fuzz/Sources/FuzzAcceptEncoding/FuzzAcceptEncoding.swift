// Fuzz target `accept-encoding`: the Accept-Encoding negotiation (Rules/Negotiation/AcceptEncoding.swift),
// which picks br, gzip or identity for every compressible response and for the Vary key.
//
// The input is one or more Accept-Encoding field values, one a line (several lines are several fields).
// Checked beyond "does not crash": every weight is in 0...1000, the preferred coding is acceptable and has
// the highest weight, several fields read as their comma-joined value, and a value reads the same whatever
// the case of its coding names.
import Rules

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAcceptEncoding(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let whole = AcceptEncoding(text)
    check(whole, text)

    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let fields = AcceptEncoding(headers: lines.map { ("Accept-Encoding", $0) } + [("accept-language", "br")])
    check(fields, text)
    precondition(fields == AcceptEncoding(lines.joined(separator: ",")), "fields and their joined value differ for \(text.debugDescription)")

    // Coding names and `q` are case-insensitive; only ASCII letters change case here.
    let upper = String(decoding: text.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 32 : $0 }, as: UTF8.self)
    precondition(AcceptEncoding(upper) == whole, "\(text.debugDescription) reads differently in upper case")

    _ = AcceptEncoding(nil).preferred
    return 0
}

private func check(_ accepted: AcceptEncoding, _ text: String) {
    for coding in ContentCoding.allCases {
        let quality = accepted.quality(of: coding)
        precondition((0...1000).contains(quality), "\(coding) has weight \(quality) for \(text.debugDescription)")
    }
    if let preferred = accepted.preferred {
        let best = accepted.quality(of: preferred)
        precondition(best > 0, "preferred \(preferred) is refused for \(text.debugDescription)")
        precondition(ContentCoding.allCases.allSatisfy { accepted.quality(of: $0) <= best }, "\(preferred) is not the best for \(text.debugDescription)")
        precondition(ContentCoding(rawValue: preferred.rawValue) == preferred, "\(preferred) does not round-trip")
    } else {
        precondition(ContentCoding.allCases.allSatisfy { accepted.quality(of: $0) == 0 }, "no preference although a coding is acceptable: \(text.debugDescription)")
    }
}
