/// A size in bytes, written in rules.yaml as `512MiB`, `16MiB`, `1KiB`, `1024` (bytes).
public struct ByteCount: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: Int

    public init(bytes: Int) { self.bytes = bytes }

    public static func kibibytes(_ n: Int) -> ByteCount { ByteCount(bytes: n * 1024) }
    public static func mebibytes(_ n: Int) -> ByteCount { ByteCount(bytes: n * 1024 * 1024) }
    public static func gibibytes(_ n: Int) -> ByteCount { ByteCount(bytes: n * 1024 * 1024 * 1024) }

    public static func < (lhs: ByteCount, rhs: ByteCount) -> Bool { lhs.bytes < rhs.bytes }

    /// The shortest exact spelling: `512MiB`, `1KiB`, `1000B`.
    public var description: String {
        let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (suffix, size) in units where bytes >= size && bytes % size == 0 {
            return "\(bytes / size)\(suffix)"
        }
        return "\(bytes)B"
    }
}

/// A request rate, written `100/min`, `20/s`, `5000/h`.
public struct Rate: Sendable, Hashable, CustomStringConvertible {
    public enum Unit: String, Sendable, Hashable, CaseIterable {
        case second = "s"
        case minute = "min"
        case hour = "h"

        public var duration: Duration {
            switch self {
            case .second: return .seconds(1)
            case .minute: return .seconds(60)
            case .hour: return .seconds(3600)
            }
        }
    }

    public var count: Int
    public var unit: Unit

    public init(count: Int, per unit: Unit) {
        self.count = count
        self.unit = unit
    }

    public var description: String { "\(count)/\(unit.rawValue)" }
}

extension Duration {
    /// Whole seconds, rounded down; what HTTP headers such as max-age carry.
    public var wholeSeconds: Int64 { components.seconds }

    /// The rules.yaml spelling: `365d`, `30s`, `1500ms`, `2h`.
    public var rulesSpelling: String {
        let (seconds, attoseconds) = components
        if attoseconds != 0 || seconds == 0 {
            let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
            return "\(ms)ms"
        }
        for (suffix, size) in [("d", Int64(86_400)), ("h", 3600), ("min", 60)] where seconds % size == 0 {
            return "\(seconds / size)\(suffix)"
        }
        return "\(seconds)s"
    }
}
