import Testing

@testable import RedisClient

@Suite("SHA-1 (script names for EVALSHA)")
struct SHA1Tests {
    @Test("FIPS 180 and well-known vectors", arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ])
    func vectors(message: String, digest: String) {
        #expect(SHA1.hexDigest(Array(message.utf8)) == digest)
    }

    @Test("lengths around the 64-byte block and padding boundaries", arguments: [
        (55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"),
        (56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"),
        (63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"),
        (64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"),
        (65, "11655326c708d70319be2610e8a57d9a5b959d3b"),
    ])
    func blockBoundaries(length: Int, digest: String) {
        #expect(SHA1.hexDigest([UInt8](repeating: UInt8(ascii: "a"), count: length)) == digest)
    }

    @Test("a million 'a's and all 256 byte values")
    func longAndBinary() {
        #expect(SHA1.hexDigest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        #expect(SHA1.hexDigest((0...255).map { UInt8($0) }) == "4916d6bdb7f78e6803698cab32d1586ea457dfc8")
    }

    @Test("a script is named by the SHA-1 of its source")
    func scriptName() {
        #expect(RedisScript("abc").sha1 == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }
}
