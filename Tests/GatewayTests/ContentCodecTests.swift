import NIOCore
import Rules
import Testing

@_spi(Benchmarks) @testable import Gateway

@Suite("Content codecs (libbrotli, zlib)")
struct ContentCodecTests {
    static let text: ByteBuffer = {
        var buffer = ByteBuffer()
        for index in 0..<4_000 { buffer.writeString("export function component\(index)(props) { return render(props, \(index)); }\n") }
        return buffer
    }()

    @Test("brotli and gzip round-trip a 300 KB body fed in uneven parts", arguments: [ContentCoding.brotli, .gzip])
    func roundTrip(coding: ContentCoding) throws {
        let encoder = try #require(try ContentCodecs.encoder(coding, config: CompressionConfig()))
        var encoded = ByteBuffer()
        var input = Self.text
        var size = 1
        while input.readableBytes > 0, let part = input.readSlice(length: min(size, input.readableBytes)) {
            var out = try encoder.transform(part)
            encoded.writeBuffer(&out)
            size = size * 3 + 7
        }
        var rest = try encoder.finish()
        encoded.writeBuffer(&rest)
        #expect(encoded.readableBytes < Self.text.readableBytes / 4)

        let decoder = try #require(try ContentCodecs.decoder(coding))
        var decoded = ByteBuffer()
        var compressed = encoded
        while compressed.readableBytes > 0, let part = compressed.readSlice(length: min(1000, compressed.readableBytes)) {
            var out = try decoder.transform(part)
            decoded.writeBuffer(&out)
        }
        var tail = try decoder.finish()
        decoded.writeBuffer(&tail)
        #expect(decoded == Self.text)
    }

    @Test("an empty body encodes to a valid empty stream", arguments: [ContentCoding.brotli, .gzip])
    func empty(coding: ContentCoding) throws {
        let encoder = try #require(try ContentCodecs.encoder(coding, config: CompressionConfig()))
        let encoded = try ContentCodecs.apply(encoder, to: ByteBuffer())
        #expect(encoded.readableBytes > 0)
        let decoded = try ContentCodecs.apply(try #require(try ContentCodecs.decoder(coding)), to: encoded)
        #expect(decoded.readableBytes == 0)
    }

    @Test("garbage is refused by the decoders", arguments: [ContentCoding.brotli, .gzip])
    func garbage(coding: ContentCoding) throws {
        let decoder = try #require(try ContentCodecs.decoder(coding))
        #expect(throws: (any Error).self) {
            _ = try ContentCodecs.apply(decoder, to: ByteBuffer(string: "this is not compressed at all, not even a little"))
        }
    }
}
