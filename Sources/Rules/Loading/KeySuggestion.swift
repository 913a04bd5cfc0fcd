/// "did you mean `edge_ttl`?": the known key closest to a misspelt one, if it is close enough to be the intent.
enum KeySuggestion {
    /// The known word within two edits (insertions, deletions, substitutions, swaps of neighbours) of `word`,
    /// ignoring case; the closest wins, then the first listed.
    static func closest(to word: String, among known: [String], maximumDistance: Int = 2) -> String? {
        let lowered = Array(word.lowercased().utf8)
        var best: (word: String, distance: Int)?
        for candidate in known {
            let distance = editDistance(lowered, Array(candidate.utf8))
            if distance <= maximumDistance, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.word
    }

    /// Optimal string alignment distance (Damerau–Levenshtein without repeated edits of one substring).
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], before[j - 2] + 1)
                }
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}
