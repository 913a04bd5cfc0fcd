import Synchronization

/// Which cache hits the access log writes when `access_log.hit_sample` is below 100%: one in every
/// round(1 / share), counted across all threads, so the logged share is exact rather than random.
/// Misses, bypasses, errors and limits are always logged; metrics count every request regardless.
final class HitSampler: Sendable {
    /// The configured share (0...1), written on each sampled line so log readers can weight it.
    let share: Double
    /// 1: every hit; 0: none; n: one in n.
    private let every: Int
    private let seen = Atomic<Int>(0)

    init(share: Double) {
        self.share = share
        if share >= 1 {
            self.every = 1
        } else if share <= 0 {
            self.every = 0
        } else {
            self.every = max(1, Int((1 / share).rounded()))
        }
    }

    var logsEveryHit: Bool { self.every == 1 }

    /// Whether this hit is logged.
    func take() -> Bool {
        switch self.every {
        case 1: return true
        case 0: return false
        default: return self.seen.wrappingAdd(1, ordering: .relaxed).oldValue % self.every == 0
        }
    }
}
