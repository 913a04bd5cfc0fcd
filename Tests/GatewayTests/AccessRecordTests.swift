import Foundation
import NIOCore
import Testing

@testable import Gateway

/// The access log line, built as bytes: valid JSON whatever the fields hold, and the same numbers as
/// the request's.
@Suite("Access log line")
struct AccessRecordTests {
    static func record(
        target: String = "/a", rule: String = "static", bytes: Int = 1234, duration: TimeAmount = .microseconds(12_345),
        origin: TimeAmount? = nil, sample: Double? = nil
    ) -> AccessRecord {
        var record = AccessRecord(
            clientIP: "203.0.113.7", method: "GET", target: target, status: 200, rule: rule, cache: "hit",
            bytesOut: bytes, duration: duration, originDuration: origin
        )
        record.sample = sample
        return record
    }

    func parsed(_ record: AccessRecord) throws -> [String: Any] {
        let line = record.jsonLine(time: "2026-12-03T06:00:00Z")
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false, "one line")
        return try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
    }

    @Test("every field comes through, numbers as numbers")
    func fields() throws {
        let object = try self.parsed(Self.record(origin: .microseconds(2_005), sample: 0.25))
        #expect(object["time"] as? String == "2026-12-03T06:00:00Z")
        #expect(object["client"] as? String == "203.0.113.7")
        #expect(object["method"] as? String == "GET")
        #expect(object["path"] as? String == "/a")
        #expect(object["status"] as? Int == 200)
        #expect(object["rule"] as? String == "static")
        #expect(object["cache"] as? String == "hit")
        #expect(object["bytes"] as? Int == 1234)
        #expect(object["duration_ms"] as? Double == 12.345)
        #expect(object["origin_ms"] as? Double == 2.005)
        #expect(object["sample"] as? Double == 0.25)
    }

    @Test("quotes, backslashes, control characters and non-ASCII text survive the round trip")
    func escaping() throws {
        let hostile = "/q?\"x\"=\\y\n\r\t\u{01}\u{1f}\u{7f}é🙂"
        let object = try self.parsed(Self.record(target: hostile, rule: "r\"ule"))
        #expect(object["path"] as? String == hostile)
        #expect(object["rule"] as? String == "r\"ule")
        let line = Self.record(target: "\u{1b}[31m").jsonLine(time: "t")
        #expect(line.contains(#""path":"\u001b[31m""#), "a terminal escape is written escaped, not raw")
    }

    @Test("zero, large numbers, and sub-millisecond durations")
    func numbers() throws {
        let small = try self.parsed(Self.record(bytes: 0, duration: .nanoseconds(999)))
        #expect(small["bytes"] as? Int == 0)
        #expect(small["duration_ms"] as? Double == 0)
        let large = try self.parsed(Self.record(bytes: 9_007_199_254_740_991, duration: .seconds(90_061)))
        #expect(large["bytes"] as? Int == 9_007_199_254_740_991)
        #expect(large["duration_ms"] as? Double == 90_061_000)
        #expect(Self.record(duration: .microseconds(1_050)).jsonLine(time: "t").contains(#""duration_ms":1.050"#))
    }

    @Test("quoted, for the admin and 429 bodies, is the same JSON string")
    func quotedString() {
        #expect(AccessRecord.quoted("a\"b") == #""a\"b""#)
        #expect(AccessRecord.quoted("") == #""""#)
        var digits: [UInt8] = []
        AccessRecord.appendDecimal(-42, to: &digits)
        #expect(String(decoding: digits, as: UTF8.self) == "-42")
    }
}
