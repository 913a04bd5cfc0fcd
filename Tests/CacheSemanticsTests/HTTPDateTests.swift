import CacheSemantics
import Testing

@Suite("HTTP dates (RFC 9110 5.6.7)")
struct HTTPDateTests {
    @Test(
        "formats known instants as IMF-fixdate",
        arguments: [
            (Int64(0), "Thu, 01 Jan 1970 00:00:00 GMT"),
            (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
            (1_709_208_000, "Thu, 29 Feb 2024 12:00:00 GMT"),
            (1_709_251_200, "Fri, 01 Mar 2024 00:00:00 GMT"),
            (2_147_483_648, "Tue, 19 Jan 2038 03:14:08 GMT"),
            (4_102_444_800, "Fri, 01 Jan 2100 00:00:00 GMT"),
            // 2100 is not a leap year: 28 Feb is followed by 1 Mar.
            (4_107_542_399, "Sun, 28 Feb 2100 23:59:59 GMT"),
            (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),
            (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
            (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
            (-86_400, "Wed, 31 Dec 1969 00:00:00 GMT"),
        ]
    )
    func format(seconds: Int64, expected: String) {
        #expect(HTTPDate.format(seconds) == expected)
    }

    @Test("parses IMF-fixdate")
    func parseIMFFixdate() {
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(HTTPDate.parse("Thu, 29 Feb 2024 12:00:00 GMT") == 1_709_208_000)
        #expect(HTTPDate.parse("Mon, 01 Mar 2100 00:00:00 GMT") == 4_107_542_400)
        #expect(HTTPDate.parse("Wed, 31 Dec 1969 23:59:59 GMT") == -1)
        // Substring input, as taken from a header.
        let header = "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT"
        #expect(HTTPDate.parse(header.dropFirst(19)) == 784_111_777)
    }

    @Test("parses the obsolete RFC 850 format, two-digit years below 70 in the 2000s")
    func parseRFC850() {
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Thursday, 01-Jan-70 00:00:00 GMT") == 0)
        #expect(HTTPDate.parse("Friday, 01-Jan-99 00:00:00 GMT") == 915_148_800)
        #expect(HTTPDate.parse("Saturday, 01-Jan-00 00:00:00 GMT") == 946_684_800)
        #expect(HTTPDate.parse("Thursday, 29-Feb-24 12:00:00 GMT") == 1_709_208_000)
        #expect(HTTPDate.parse("Tuesday, 01-Jan-69 00:00:00 GMT") == 3_124_224_000)
    }

    @Test("parses the obsolete asctime format")
    func parseAsctime() {
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == 784_111_777)
        #expect(HTTPDate.parse("Thu Feb 29 12:00:00 2024") == 1_709_208_000)
        #expect(HTTPDate.parse("Thu Jan  1 00:00:00 1970") == 0)
    }

    @Test("all three formats of one instant agree")
    func formatsAgree() {
        let imf = HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(imf != nil)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == imf)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == imf)
    }

    @Test(
        "rejects text that is not an HTTP date",
        arguments: [
            "", "garbage", "0", "-1", "1994-11-06T08:49:37Z", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Nov 1994 08:49 GMT", "Sun, 06 Nov 1994 08-49-37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT", "Sun, xx Nov 1994 08:49:37 GMT", "Sun, 06 Nov yyyy 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT extra", "Sunday, 06/Nov/94 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37",
            "Sun Nov  6 08:49:37", "Sun Nov  6 1994",
        ]
    )
    func rejectsGarbage(text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    @Test(
        "rejects out-of-range times and days",
        arguments: [
            "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT",
            "Sun, 06 Nov 1994 -1:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 25:49:37 GMT", "Sun Nov 32 08:49:37 1994", "Sun Nov  6 08:49:99 1994",
        ]
    )
    func rejectsOutOfRange(text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    @Test(
        "rejects years no HTTP date can carry instead of overflowing",
        arguments: [
            "Sun, 06 Nov 9223372036854775807 08:49:37 GMT", "Sun, 06 Nov 100000000000000 08:49:37 GMT",
            "Sun, 06 Nov -9223372036854775807 08:49:37 GMT", "Sunday, 06-Nov-9223372036854775807 08:49:37 GMT",
            "Sun Nov  6 08:49:37 9223372036854775807", "Sun, 06 Nov 10000 08:49:37 GMT",
        ]
    )
    func rejectsHugeYears(text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    @Test("the last second of year 9999 still parses")
    func largestFourDigitYear() {
        #expect(HTTPDate.parse("Fri, 31 Dec 9999 23:59:59 GMT") == 253_402_300_799)
    }

    @Test("a leap second (second 60) is read as the next second")
    func leapSecond() {
        #expect(HTTPDate.parse("Sat, 31 Dec 2016 23:59:60 GMT") == 1_483_228_800)
        #expect(HTTPDate.format(1_483_228_800) == "Sun, 01 Jan 2017 00:00:00 GMT")
    }

    @Test("format then parse is the identity over many instants, 1900 to 9999")
    func roundTrip() {
        var checked = 0
        var mismatches: [Int64] = []
        for seconds in stride(from: Int64(-2_208_988_800), through: 253_402_300_799, by: 9_876_543) {
            let text = HTTPDate.format(seconds)
            if HTTPDate.parse(text) != seconds { mismatches.append(seconds) }
            checked += 1
        }
        #expect(checked > 25_000)
        #expect(mismatches.isEmpty)
    }

    @Test("format then parse is the identity on every day boundary around leap years")
    func roundTripDayBoundaries() {
        // 1999-12-25 to 2001-01-05 and 2099-12-25 to 2101-01-05, each midnight and the second before it.
        var mismatches: [Int64] = []
        for start in [Int64(946_080_000), 4_101_840_000] {
            for day in Int64(0)..<378 {
                for seconds in [start + day * 86_400, start + day * 86_400 - 1] {
                    if HTTPDate.parse(HTTPDate.format(seconds)) != seconds { mismatches.append(seconds) }
                }
            }
        }
        #expect(mismatches.isEmpty)
    }

    @Test("formatted dates always have the fixed IMF-fixdate shape")
    func fixedShape() {
        for seconds in stride(from: Int64(0), through: 4_102_444_800, by: 7_654_321) {
            let text = HTTPDate.format(seconds)
            #expect(text.count == 29, "\(text)")
            #expect(text.hasSuffix(" GMT"))
        }
    }
}
