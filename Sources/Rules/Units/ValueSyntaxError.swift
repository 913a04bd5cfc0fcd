/// Why a value in rules.yaml (or on the command line) could not be read, phrased as what to write instead:
/// `expected COUNT/UNIT with UNIT one of s, min, h (e.g. 100/min)`.
public struct ValueSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
