import NIOConcurrencyHelpers

/// Purges by host, prefix and tag without scanning keys: each purge records when it happened, and a
/// stored entry is valid only if it was stored after every purge that covers it (its host, any prefix
/// of its path, any of its tags). Checked on lookup; a purged entry is dropped then. Times are
/// wall-clock milliseconds so that instances sharing Redis agree on them (within clock skew).
final class PurgeLedger: Sendable {
    private struct State {
        var hosts: [String: Int64] = [:]
        var tags: [String: Int64] = [:]
        /// (host or "" for any host, path prefix, when)
        var prefixes: [(host: String, prefix: String, at: Int64)] = []
        var isEmpty: Bool { self.hosts.isEmpty && self.tags.isEmpty && self.prefixes.isEmpty }
    }

    private let state = NIOLockedValueBox(State())
    /// Prefix records kept at most; past it the oldest are dropped and `overflowed` asks for a full purge.
    let maxPrefixes: Int

    init(maxPrefixes: Int = 10_000) { self.maxPrefixes = maxPrefixes }

    /// Records a host purge at `at` (ms).
    func purge(host: String, at: Int64) {
        self.state.withLockedValue { $0.hosts[host.lowercased()] = max($0.hosts[host.lowercased()] ?? 0, at) }
    }

    func purge(tag: String, at: Int64) {
        self.state.withLockedValue { $0.tags[tag] = max($0.tags[tag] ?? 0, at) }
    }

    /// Records a prefix purge; returns false when the ledger was full and dropped its oldest record
    /// (the caller then purges everything, which is always correct).
    @discardableResult
    func purge(prefix: String, host: String?, at: Int64) -> Bool {
        self.state.withLockedValue { state in
            state.prefixes.append((host?.lowercased() ?? "", prefix, at))
            if state.prefixes.count > self.maxPrefixes {
                state.prefixes.removeFirst(state.prefixes.count - self.maxPrefixes)
                return false
            }
            return true
        }
    }

    /// True when a purge recorded after `storedAt` covers an entry of `host` + `path` with `tags`.
    func isPurged(host: String, path: String, tags: [String], storedAt: Int64) -> Bool {
        self.state.withLockedValue { state in
            if state.isEmpty { return false }
            if let at = state.hosts[host], at >= storedAt { return true }
            for tag in tags {
                if let at = state.tags[tag], at >= storedAt { return true }
            }
            for record in state.prefixes where record.at >= storedAt {
                if (record.host.isEmpty || record.host == host) && path.hasPrefix(record.prefix) { return true }
            }
            return false
        }
    }

    func removeAll() {
        self.state.withLockedValue { $0 = State() }
    }
}
