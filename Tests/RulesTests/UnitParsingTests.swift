import Testing
@testable import Rules

@Suite("Durations, sizes and rates")
struct UnitParsingTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)),
        ("30s", .seconds(30)),
        ("5min", .seconds(300)),
        ("2h", .seconds(7200)),
        ("365d", .seconds(365 * 86_400)),
        ("0s", .zero),
    ])
    func durations(text: String, expected: Duration) throws {
        #expect(try Duration.parse(text).get() == expected)
    }

    @Test func minutesMustBeSpeltMin() {
        guard case .failure(let error) = Duration.parse("5m") else {
            Issue.record("5m was accepted")
            return
        }
        #expect(error.reason.contains("write 5min for minutes"))
    }

    @Test(arguments: ["", "30", "s", "1.5s", "-3s", "30 s", "30sec", "30S", "10y", "99999999999999999999s", "106751991167301d"])
    func badDurations(text: String) {
        guard case .failure(let error) = Duration.parse(text) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(error.reason.contains("e.g. 30s"))
    }

    @Test func durationHintsNameTheUnit() throws {
        #expect(Duration.parse("30sec").failureReason?.contains("write 30s") == true)
        #expect(Duration.parse("2 hours").failureReason?.contains("write 2h") == true)
        #expect(Duration.parse("1.5s").failureReason?.contains("1500ms") == true)
        #expect(Duration.parse("30").failureReason?.contains("write 30s") == true)
    }

    @Test func durationSpellingRoundTrips() throws {
        for text in ["500ms", "30s", "5min", "2h", "365d", "90s", "1500ms"] {
            #expect(try Duration.parse(text).get().rulesSpelling == text)
        }
    }

    @Test(arguments: [
        ("1024", 1024),
        ("1024B", 1024),
        ("1KiB", 1024),
        ("16MiB", 16 << 20),
        ("1GiB", 1 << 30),
        ("2TiB", 2 << 40),
        ("1KB", 1000),
        ("5MB", 5_000_000),
        ("1GB", 1_000_000_000),
        ("0", 0),
    ])
    func sizes(text: String, bytes: Int) throws {
        #expect(try ByteCount.parse(text).get() == ByteCount(bytes: bytes))
    }

    @Test func lowerCaseUnitsAreRefusedWithTheRightSpelling() {
        #expect(ByteCount.parse("16mib").failureReason == "units are case-sensitive and written without a space: write 16MiB")
        #expect(ByteCount.parse("1kib").failureReason?.contains("write 1KiB") == true)
        #expect(ByteCount.parse("512 MiB").failureReason?.contains("write 512MiB") == true)
        #expect(ByteCount.parse("10mb").failureReason?.contains("write 10MB") == true)
    }

    @Test(arguments: ["", "MiB", "1.5MiB", "-1KiB", "16XB", "99999999999999GiB"])
    func badSizes(text: String) {
        #expect(ByteCount.parse(text).failureReason != nil, "\(text) was accepted")
    }

    @Test func sizeDescriptionIsTheShortestExactSpelling() {
        #expect(ByteCount(bytes: 512 << 20).description == "512MiB")
        #expect(ByteCount(bytes: 1000).description == "1000B")
    }

    @Test(arguments: [
        ("100/min", Rate(count: 100, per: .minute)),
        ("20/s", Rate(count: 20, per: .second)),
        ("5000/h", Rate(count: 5000, per: .hour)),
        ("0/s", Rate(count: 0, per: .second)),
    ])
    func rates(text: String, expected: Rate) throws {
        #expect(try Rate.parse(text).get() == expected)
    }

    @Test func rateErrorsSayWhatToWrite() {
        let usage = "expected COUNT/UNIT with UNIT one of s, min, h (e.g. 100/min)"
        #expect(Rate.parse("100/minute").failureReason == usage)
        #expect(Rate.parse("100").failureReason == usage)
        #expect(Rate.parse("fast/s").failureReason == usage)
        #expect(Rate.parse("100/m").failureReason?.hasPrefix("`m` is ambiguous: write 100/min") == true)
        #expect(Rate.parse("2400/d").failureReason?.contains("write 100/h") == true)
    }
}

extension Result {
    var failureReason: String? {
        guard case .failure(let error) = self else { return nil }
        return (error as? ValueSyntaxError)?.reason ?? "\(error)"
    }
}
