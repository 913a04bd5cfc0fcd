import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// The L1 cache: responses in memory under a byte budget, evicted by S3-FIFO (a small probationary
/// FIFO, a main FIFO with re-insertion of used entries, and a ghost list of recently evicted keys), so a
/// scan of one-hit URLs passes through the small queue without flushing what is popular. Every
/// operation is O(1) amortised under one lock; eviction happens on insert, never on a hit.
final class MemoryTier: Sendable {
    struct Stats: Sendable, Equatable {
        var objects = 0
        var bytes = 0
        var evictions = 0
        var inserts = 0
    }

    private final class Node {
        let entry: CachedResponse
        /// Bytes of encoded variants made after it was stored.
        var extra = 0
        var frequency: UInt8 = 0
        var inMain = false
        var resident = true

        init(_ entry: CachedResponse) { self.entry = entry }
    }

    // @unchecked: the nodes are classes, reached only under the lock.
    private struct State: @unchecked Sendable {
        var byKey: [String: [Node]] = [:]
        var small = CircularBuffer<Node>()
        var main = CircularBuffer<Node>()
        var smallBytes = 0
        var ghost = CircularBuffer<Int>()
        var ghostSet = Set<Int>()
        /// Replaced or removed nodes still sitting in a queue.
        var dead = 0
        var stats = Stats()
    }

    let budget: Int
    let maxObject: Int
    private let state: NIOLockedValueBox<State>

    init(budget: Int, maxObject: Int) {
        self.budget = budget
        self.maxObject = min(maxObject, budget)
        self.state = NIOLockedValueBox(State())
    }

    var stats: Stats { self.state.withLockedValue { $0.stats } }

    /// Nodes in the two queues, live or dead: bounded, or replacements would leak.
    var queuedNodes: Int { self.state.withLockedValue { $0.small.count + $0.main.count } }

    /// The stored variant of `key` that fits this request's headers; counts as a use.
    func lookup(_ key: CacheKey, request: HTTPHeaders) -> CachedResponse? {
        self.state.withLockedValue { state in
            guard let nodes = state.byKey[key.primary] else { return nil }
            for node in nodes where node.entry.variant.matches(request) {
                if node.frequency < 3 { node.frequency += 1 }
                return node.entry
            }
            return nil
        }
    }

    /// Every variant stored under `key` (for purges and tests).
    func variants(_ key: CacheKey) -> [CachedResponse] {
        self.state.withLockedValue { state in state.byKey[key.primary]?.map(\.entry) ?? [] }
    }

    /// Stores `entry`, replacing the variant with the same selecting values. False when it is larger than
    /// `cache.max_object`.
    @discardableResult
    func insert(_ entry: CachedResponse) -> Bool {
        guard entry.cost <= self.maxObject else { return false }
        self.state.withLockedValue { state in
            let node = Node(entry)
            var nodes = state.byKey[entry.key.primary] ?? []
            if let index = nodes.firstIndex(where: { $0.entry.variant == entry.variant }) {
                let old = nodes.remove(at: index)
                node.frequency = old.frequency
                Self.forget(old, state: &state)
            }
            nodes.append(node)
            state.byKey[entry.key.primary] = nodes
            let hash = entry.key.primary.hashValue
            if state.ghostSet.remove(hash) != nil {
                node.inMain = true
                state.main.append(node)
            } else {
                state.small.append(node)
                state.smallBytes += entry.cost
            }
            state.stats.objects += 1
            state.stats.bytes += entry.cost
            state.stats.inserts += 1
            self.evict(&state)
        }
        return true
    }

    /// Charges bytes of a variant made for `entry` (br, gzip) against the budget.
    func charge(_ entry: CachedResponse, bytes: Int) {
        guard bytes > 0 else { return }
        self.state.withLockedValue { state in
            guard let node = state.byKey[entry.key.primary]?.first(where: { $0.entry === entry }), node.resident else { return }
            node.extra += bytes
            state.stats.bytes += bytes
            if !node.inMain { state.smallBytes += bytes }
            self.evict(&state)
        }
    }

    /// Drops every variant of `key`.
    func remove(_ key: CacheKey) {
        self.state.withLockedValue { state in
            guard let nodes = state.byKey.removeValue(forKey: key.primary) else { return }
            for node in nodes { Self.forget(node, state: &state) }
        }
    }

    func removeAll() {
        self.state.withLockedValue { state in
            let evictions = state.stats.evictions
            state = State()
            state.stats.evictions = evictions
        }
    }

    /// Marks a node gone; the queues drop it lazily when they reach it.
    private static func forget(_ node: Node, state: inout State) {
        guard node.resident else { return }
        node.resident = false
        state.stats.objects -= 1
        state.stats.bytes -= node.entry.cost + node.extra
        if !node.inMain { state.smallBytes -= node.entry.cost + node.extra }
        state.dead += 1
        if state.dead > max(1024, state.stats.objects) {
            // Replacements without memory pressure would otherwise grow the queues without bound.
            state.small = CircularBuffer(state.small.filter(\.resident))
            state.main = CircularBuffer(state.main.filter(\.resident))
            state.dead = 0
        }
    }

    private func evict(_ state: inout State) {
        let smallTarget = self.budget / 10
        while state.stats.bytes > self.budget {
            if state.smallBytes > smallTarget || state.main.isEmpty, let node = state.small.popFirst() {
                guard node.resident else {
                    state.dead -= 1
                    continue
                }
                state.smallBytes -= node.entry.cost + node.extra
                if node.frequency > 0 {
                    // Used while on probation: promoted.
                    node.inMain = true
                    node.frequency = 0
                    state.main.append(node)
                } else {
                    self.drop(node, state: &state)
                    self.remember(node.entry.key.primary.hashValue, state: &state)
                }
            } else if let node = state.main.popFirst() {
                guard node.resident else {
                    state.dead -= 1
                    continue
                }
                if node.frequency > 0 {
                    node.frequency -= 1
                    state.main.append(node)
                } else {
                    self.drop(node, state: &state)
                }
            } else {
                break
            }
        }
    }

    private func drop(_ node: Node, state: inout State) {
        node.resident = false
        state.stats.objects -= 1
        state.stats.bytes -= node.entry.cost + node.extra
        state.stats.evictions += 1
        let primary = node.entry.key.primary
        if var nodes = state.byKey[primary] {
            nodes.removeAll { $0 === node }
            state.byKey[primary] = nodes.isEmpty ? nil : nodes
        }
    }

    private func remember(_ hash: Int, state: inout State) {
        let capacity = max(1024, state.stats.objects)
        state.ghost.append(hash)
        state.ghostSet.insert(hash)
        while state.ghost.count > capacity, let oldest = state.ghost.popFirst() {
            state.ghostSet.remove(oldest)
        }
    }
}
