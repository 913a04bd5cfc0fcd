import NIOCore
import Testing

@testable import RedisClient

/// hiredis as the codec: exact bytes out, replies parsed from any slicing of the input. No sockets.
@Suite("RESP codec (hiredis)")
struct RESPCodecTests {
    @Test("commands are encoded as arrays of binary-safe bulk strings")
    func encodes() {
        let plain = RESPCommandEncoder.encode(["SET", "key", 42])
        #expect(String(buffer: plain) == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$2\r\n42\r\n")
        let binary = RESPCommandEncoder.encode(["SET", RedisArgument([0, 13, 10, 255]), ""])
        #expect(Array(binary.readableBytesView) == Array("*3\r\n$3\r\nSET\r\n$4\r\n".utf8) + [0, 13, 10, 255] + Array("\r\n$0\r\n\r\n".utf8))
    }

    @Test("replies fed one byte at a time come out whole and in order")
    func parsesAnySlicing() throws {
        let wire = "+OK\r\n-ERR bad thing\r\n:-42\r\n$-1\r\n$5\r\nhe\r\nl\r\n*3\r\n$1\r\na\r\n:1\r\n*1\r\n+x\r\n*0\r\n$0\r\n\r\n"
        let reader = RESPReader()
        var replies: [RESPValue] = []
        for byte in wire.utf8 {
            try reader.feed(ByteBuffer(bytes: [byte]))
            while let reply = try reader.next() { replies.append(reply) }
        }
        #expect(replies == [
            .simpleString("OK"),
            .error("ERR bad thing"),
            .integer(-42),
            .bulkString(nil),
            .bulkString(Array("he\r\nl".utf8)),
            .array([.bulkString(Array("a".utf8)), .integer(1), .array([.simpleString("x")])]),
            .array([]),
            .bulkString([]),
        ])
    }

    @Test("bytes that are not RESP are a protocol error")
    func rejectsGarbage() throws {
        let reader = RESPReader()
        try reader.feed(ByteBuffer(string: "?what\r\n"))
        #expect(throws: RedisError.self) { try reader.next() }
    }

    @Test("accessors read integers, text, bytes and nulls")
    func accessors() {
        #expect(RESPValue.integer(7).int == 7)
        #expect(RESPValue.bulkString(Array("12".utf8)).int == 12)
        #expect(RESPValue.bulkString(Array("x".utf8)).int == nil)
        #expect(RESPValue.simpleString("OK").string == "OK")
        #expect(RESPValue.bulkString(nil).isNull)
        #expect(RESPValue.array(nil).isNull)
        #expect(!RESPValue.bulkString([]).isNull)
        #expect(RESPValue.array([.integer(1)]).array == [.integer(1)])
    }
}
