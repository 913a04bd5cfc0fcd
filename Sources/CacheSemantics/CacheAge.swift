/// The times RFC 9111 4.2.3 computes a stored response's age from, in seconds (fractions allowed).
public struct AgeBasis: Sendable, Hashable {
    /// When the request that fetched it was sent.
    public var requestTime: Double
    /// When its head arrived.
    public var responseTime: Double
    public var dateValue: Double?
    public var ageValue: Double

    public init(requestTime: Double, responseTime: Double, dateValue: Int64?, ageValue: Int64?) {
        self.requestTime = requestTime
        self.responseTime = responseTime
        self.dateValue = dateValue.map(Double.init)
        // Age is delta-seconds: never negative, and never more than 2^31 however it was read.
        self.ageValue = Double(min(max(ageValue ?? 0, 0), DeltaSeconds.greatest))
    }

    /// corrected_initial_age = max(apparent_age, age_value + response_delay)
    public var correctedInitialAge: Double {
        let apparentAge = max(0, self.responseTime - (self.dateValue ?? self.responseTime))
        let responseDelay = max(0, self.responseTime - self.requestTime)
        return max(apparentAge, self.ageValue + responseDelay)
    }

    /// current_age = corrected_initial_age + resident_time
    public func currentAge(at now: Double) -> Double {
        self.correctedInitialAge + max(0, now - self.responseTime)
    }
}

/// What to do with a stored response for one request (RFC 9111 4, with stale-while-revalidate and
/// stale-if-error from RFC 5861).
public enum Reuse: Sendable, Equatable {
    /// Fresh: answer from the cache. `remaining` seconds of freshness are left.
    case fresh(age: Int64, remaining: Int64)
    /// Stale within stale-while-revalidate: answer now, refresh in the background.
    case staleWhileRevalidate(age: Int64)
    /// Must be validated with the origin first (stale, no-cache, or must-revalidate).
    case revalidate(age: Int64)

    public static func decide(_ freshness: Freshness, basis: AgeBasis, now: Double) -> Reuse {
        let age = basis.currentAge(at: now)
        let wholeAge = DeltaSeconds.whole(age)
        if freshness.noCache { return .revalidate(age: wholeAge) }
        if age < Double(freshness.lifetime) {
            return .fresh(age: wholeAge, remaining: max(0, freshness.lifetime - wholeAge))
        }
        let staleness = age - Double(freshness.lifetime)
        if !freshness.mustRevalidate, staleness < Double(freshness.staleWhileRevalidate) {
            return .staleWhileRevalidate(age: wholeAge)
        }
        return .revalidate(age: wholeAge)
    }

    /// Whether a stale response may stand in when the origin fails (stale-if-error).
    public static func mayServeOnError(_ freshness: Freshness, basis: AgeBasis, now: Double) -> Bool {
        guard !freshness.mustRevalidate else { return false }
        let staleness = basis.currentAge(at: now) - Double(freshness.lifetime)
        return staleness < Double(max(freshness.staleIfError, 0)) || staleness < 0
    }
}
