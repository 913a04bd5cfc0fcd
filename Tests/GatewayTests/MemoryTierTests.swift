import CacheSemantics
import NIOCore
import NIOHTTP1
import Testing

@_spi(Benchmarks) @testable import Gateway

/// The memory tier on its own: budget, replacement, scan resistance. No sockets.
@Suite("Memory tier")
struct MemoryTierTests {
    func entry(_ path: String, bytes: Int, vary: VariantKey = .none) -> CachedResponse {
        CachedResponse(
            key: CacheKey(primary: "v1|example.com|\(path)"), status: .ok, headers: ["content-type": "text/plain"],
            body: ByteBuffer(repeating: 0x61, count: bytes), freshness: Freshness(lifetime: 60, source: .maxAge),
            basis: AgeBasis(requestTime: 0, responseTime: 0, dateValue: nil, ageValue: nil), variant: vary
        )
    }

    @Test("the byte budget holds whatever is inserted")
    func budgetHolds() {
        let tier = MemoryTier(budget: 1_000_000, maxObject: 100_000)
        for index in 0..<5_000 {
            tier.insert(self.entry("/item/\(index)", bytes: 1_000 + index % 7_000))
            #expect(tier.stats.bytes <= 1_000_000)
        }
        #expect(tier.stats.evictions > 0)
        #expect(tier.stats.objects > 0)
    }

    @Test("an object over max_object is refused")
    func maxObject() {
        let tier = MemoryTier(budget: 1_000_000, maxObject: 10_000)
        #expect(!tier.insert(self.entry("/big", bytes: 20_000)))
        #expect(tier.insert(self.entry("/small", bytes: 2_000)))
        #expect(tier.stats.objects == 1)
    }

    @Test("storing a key again replaces its variant and frees the old bytes")
    func replace() {
        let tier = MemoryTier(budget: 1_000_000, maxObject: 100_000)
        tier.insert(self.entry("/a", bytes: 10_000))
        let before = tier.stats.bytes
        tier.insert(self.entry("/a", bytes: 10_000))
        #expect(tier.stats.objects == 1)
        #expect(tier.stats.bytes == before)
    }

    @Test("variants by Vary are kept side by side and found by the request's values")
    func variants() {
        let tier = MemoryTier(budget: 1_000_000, maxObject: 100_000)
        tier.insert(self.entry("/v", bytes: 100, vary: VariantKey(names: ["accept-encoding"], values: ["br"])))
        tier.insert(self.entry("/v", bytes: 200, vary: VariantKey(names: ["accept-encoding"], values: ["gzip"])))
        let key = CacheKey(primary: "v1|example.com|/v")
        #expect(tier.variants(key).count == 2)
        #expect(tier.lookup(key, request: ["accept-encoding": "gzip"])?.bodyLength == 200)
        #expect(tier.lookup(key, request: ["accept-encoding": "br, gzip"])?.bodyLength == 100)
        #expect(tier.lookup(key, request: [:]) == nil)
        tier.remove(key)
        #expect(tier.variants(key).isEmpty)
        #expect(tier.stats.bytes == 0)
    }

    @Test("a scan of one-hit URLs does not flush the entries that are in use (S3-FIFO)")
    func scanResistance() {
        let tier = MemoryTier(budget: 2_000_000, maxObject: 100_000)
        let hot = (0..<100).map { self.entry("/hot/\($0)", bytes: 5_000) }
        for entry in hot { tier.insert(entry) }
        // Used twice: promoted out of probation when the scan pushes them.
        for _ in 0..<2 {
            for entry in hot { _ = tier.lookup(entry.key, request: [:]) }
        }
        for index in 0..<4_000 {
            tier.insert(self.entry("/scan/\(index)", bytes: 5_000))
            if index % 200 == 0 {
                for entry in hot { _ = tier.lookup(entry.key, request: [:]) }
            }
        }
        let survivors = hot.filter { tier.lookup($0.key, request: [:]) != nil }.count
        #expect(survivors >= 90, "only \(survivors) of 100 hot entries survived a scan 10x the cache size")
        #expect(tier.stats.bytes <= 2_000_000)
    }

    @Test("memory stays bounded under many replacements without eviction pressure")
    func replacementsDoNotLeak() {
        let tier = MemoryTier(budget: 100_000_000, maxObject: 100_000)
        for round in 0..<20_000 {
            tier.insert(self.entry("/feed/\(round % 10)", bytes: 100))
        }
        #expect(tier.stats.objects == 10)
        #expect(tier.queuedNodes <= 2 * 1024 + 10)
    }
}
