import CHiredis
import NIOCore

/// Writes commands as RESP arrays of bulk strings with hiredis' `redisFormatCommandArgv` (binary safe).
enum RESPCommandEncoder {
    static func encode(_ arguments: [RedisArgument], into buffer: inout ByteBuffer) {
        precondition(!arguments.isEmpty, "a Redis command needs at least its name")
        // All argument bytes in one array, so one pointer plus offsets describe them.
        var words: [UInt8] = []
        words.reserveCapacity(arguments.reduce(1) { $0 + $1.byteCount })
        var lengths: [Int] = []
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            let start = words.count
            argument.append(to: &words)
            lengths.append(words.count - start)
        }
        words.append(0)  // never empty, so the base address is never nil

        var formatted: UnsafeMutablePointer<CChar>?
        let length = words.withUnsafeBufferPointer { wordBytes -> Int32 in
            let base = UnsafeRawPointer(wordBytes.baseAddress!)
            var offset = 0
            var argv: [UnsafePointer<CChar>?] = []
            argv.reserveCapacity(lengths.count)
            for count in lengths {
                argv.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += count
            }
            return argv.withUnsafeMutableBufferPointer { argvPointer in
                lengths.withUnsafeBufferPointer { lengthPointer in
                    redisFormatCommandArgv(&formatted, Int32(lengths.count), argvPointer.baseAddress, lengthPointer.baseAddress)
                }
            }
        }
        guard length >= 0, let formatted else { fatalError("hiredis: redisFormatCommandArgv failed (out of memory)") }
        defer { redisFreeCommand(formatted) }
        buffer.writeBytes(UnsafeRawBufferPointer(start: formatted, count: Int(length)))
    }

    static func encode(_ arguments: [RedisArgument], allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 0)
        self.encode(arguments, into: &buffer)
        return buffer
    }
}
