/// `key:   value` lines with the values in one column, the shape of `gateway check` and `gateway explain`.
struct AlignedLines {
    private var rows: [(key: String, value: String)] = []

    mutating func add(_ key: String, _ value: String) { rows.append((key, value)) }

    func rendered(indent: String = "") -> String {
        let width = (rows.map(\.key.count).max() ?? 0) + 2
        return rows.map { row in
            let label = row.key.isEmpty ? "" : row.key + ":"
            return indent + label + String(repeating: " ", count: width - label.count) + row.value
        }.joined(separator: "\n")
    }
}
