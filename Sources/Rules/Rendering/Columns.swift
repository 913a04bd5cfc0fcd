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
