import Foundation
import NIOConcurrencyHelpers

/// Wall-clock seconds since 1970, as HTTP dates count them. Injected so cache tests move time by hand.
public protocol WallClock: Sendable {
    func now() -> Double
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Double { Date().timeIntervalSince1970 }
}

/// A clock tests advance explicitly: no sleeping to make an entry stale.
public final class ManualWallClock: WallClock {
    private let current: NIOLockedValueBox<Double>

    public init(_ start: Double = 1_700_000_000) { self.current = NIOLockedValueBox(start) }

    public func now() -> Double { self.current.withLockedValue { $0 } }

    public func advance(by seconds: Double) { self.current.withLockedValue { $0 += seconds } }
}
