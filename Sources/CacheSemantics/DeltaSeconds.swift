/// delta-seconds (RFC 9111 1.2.2): digits only; a value too large to keep is 2^31, "infinity" for caching.
public enum DeltaSeconds {
    public static let greatest: Int64 = 2_147_483_648

    /// The value of a field such as `Age`, surrounding spaces allowed; nil when it is not digits.
    public static func parse(_ text: some StringProtocol) -> Int64? {
        let trimmed = Substring(text).drop(while: { $0 == " " || $0 == "\t" })
        let end = trimmed.lastIndex(where: { $0 != " " && $0 != "\t" }).map { trimmed.index(after: $0) } ?? trimmed.startIndex
        return CacheControl.seconds(trimmed[..<end])
    }

    /// Seconds as a whole number, clamped so that no Double (however large) can trap the conversion.
    public static func whole(_ seconds: Double) -> Int64 {
        guard seconds.isFinite else { return seconds > 0 ? Int64.max : 0 }
        if seconds >= 9.2e18 { return Int64.max }
        if seconds <= -9.2e18 { return Int64.min }
        return Int64(seconds)
    }
}
