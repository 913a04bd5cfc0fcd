/// HTTP dates (RFC 9110 5.6.7): IMF-fixdate to write; IMF-fixdate, RFC 850 and asctime to read.
/// Seconds since 1970-01-01T00:00:00Z, UTC; no Foundation.
public enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT`
    public static func format(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        let weekday = Int((days % 7 + 7 + 4) % 7)  // 1970-01-01 was a Thursday
        let hour = secondOfDay / 3600
        let minute = secondOfDay / 60 % 60
        let second = secondOfDay % 60
        return "\(Self.days[weekday]), \(Self.two(day)) \(Self.months[month - 1]) \(year) \(Self.two(hour)):\(Self.two(minute)):\(Self.two(second)) GMT"
    }

    /// nil when the text is none of the three formats.
    public static func parse(_ text: some StringProtocol) -> Int64? {
        let tokens = String(text).split(whereSeparator: { (character: Character) in character == " " || character == "," }).map(String.init)
        // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT -> [Sun, 06, Nov, 1994, 08:49:37, GMT]
        if tokens.count == 6, tokens[5] == "GMT", let day = Int(tokens[1]), let month = Self.month(tokens[2]), let year = Int(tokens[3]) {
            return Self.make(year: year, month: month, day: day, time: tokens[4])
        }
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT -> [Sunday, 06-Nov-94, 08:49:37, GMT]
        if tokens.count == 4, tokens[3] == "GMT" {
            let parts = tokens[1].split(separator: "-")
            if parts.count == 3, let day = Int(parts[0]), let month = Self.month(String(parts[1])), var year = Int(parts[2]) {
                if parts[2].count == 2 { year += year < 70 ? 2000 : 1900 }
                return Self.make(year: year, month: month, day: day, time: tokens[2])
            }
        }
        // asctime: Sun Nov  6 08:49:37 1994 -> [Sun, Nov, 6, 08:49:37, 1994]
        if tokens.count == 5, let month = Self.month(tokens[1]), let day = Int(tokens[2]), let year = Int(tokens[4]) {
            return Self.make(year: year, month: month, day: day, time: tokens[3])
        }
        return nil
    }

    private static func month(_ name: String) -> Int? {
        Self.months.firstIndex(of: name).map { $0 + 1 }
    }

    private static func make(year: Int, month: Int, day: Int, time: String) -> Int64? {
        let parts = time.split(separator: ":")
        guard parts.count == 3, let hour = Int(parts[0]), let minute = Int(parts[1]), let second = Int(parts[2]),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second), (1...31).contains(day),
            (0...9999).contains(year)  // 4DIGIT; a larger year overflows the day arithmetic below
        else { return nil }
        let days = Self.days(fromCivil: year, month, day)
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    private static func two(_ value: some BinaryInteger) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    private static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, Int(m), d)
    }
}
