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

/// Rows of cells with each column padded to its widest cell.
struct Columns {
    private var rows: [[String]] = []

    mutating func add(_ cells: [String]) { rows.append(cells) }

    func rendered(indent: String = "", gap: Int = 2) -> String {
        let count = rows.map(\.count).max() ?? 0
        let widths = (0..<count).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { cells in
            var line = indent
            for (column, cell) in cells.enumerated() {
                let isLast = column == cells.count - 1
                line += isLast ? cell : cell + String(repeating: " ", count: widths[column] - cell.count + gap)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
