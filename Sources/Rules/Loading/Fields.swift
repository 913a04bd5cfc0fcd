import Yams

/// The known keys found in one mapping, with the key's and the value's positions.
struct Fields {
    /// Where the mapping starts: where a missing key is reported.
    var location: SourceLocation
    var values: [String: (keyLocation: SourceLocation, value: Node)] = [:]

    subscript(_ key: String) -> Node? { values[key]?.value }

    var isEmpty: Bool { values.isEmpty }
}
