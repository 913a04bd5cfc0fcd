import CBrotli
import CompressNIO
import NIOCore
import Rules

/// Turns a body, part by part, into another content coding (or back). One per response; not shared.
protocol ContentTransform: AnyObject {
    /// The output for this part (possibly empty: the codec may hold data until more arrives).
    func transform(_ part: ByteBuffer) throws -> ByteBuffer
    /// The rest of the output once the input has ended.
    func finish() throws -> ByteBuffer
}

struct ContentCodecError: Error, CustomStringConvertible {
    let description: String
}

enum ContentCodecs {
    static func encoder(_ coding: ContentCoding, config: CompressionConfig) throws -> ContentTransform? {
        switch coding {
        case .brotli: return BrotliEncoder(quality: config.brotliLevel)
        case .gzip: return try GzipEncoder(level: config.gzipLevel)
        case .identity: return nil
        }
    }

    static func decoder(_ coding: ContentCoding) throws -> ContentTransform? {
        switch coding {
        case .brotli: return BrotliDecoder()
        case .gzip: return try GzipDecoder()
        case .identity: return nil
        }
    }

    /// A whole body through one transform.
    static func apply(_ transform: ContentTransform, to body: ByteBuffer) throws -> ByteBuffer {
        var output = try transform.transform(body)
        var rest = try transform.finish()
        output.writeBuffer(&rest)
        return output
    }
}

/// libbrotli's streaming encoder: bytes go in as they arrive, output is taken as it is produced.
final class BrotliEncoder: ContentTransform {
    private let state: OpaquePointer

    init(quality: Int) {
        self.state = BrotliEncoderCreateInstance(nil, nil, nil)
        BrotliEncoderSetParameter(self.state, BROTLI_PARAM_QUALITY, UInt32(max(0, min(11, quality))))
        BrotliEncoderSetParameter(self.state, BROTLI_PARAM_LGWIN, 22)
    }

    deinit { BrotliEncoderDestroyInstance(self.state) }

    func transform(_ part: ByteBuffer) throws -> ByteBuffer {
        try self.run(part, operation: BROTLI_OPERATION_PROCESS)
    }

    func finish() throws -> ByteBuffer {
        try self.run(ByteBuffer(), operation: BROTLI_OPERATION_FINISH)
    }

    private func run(_ input: ByteBuffer, operation: BrotliEncoderOperation) throws -> ByteBuffer {
        var output = ByteBuffer()
        try input.withUnsafeReadableBytes { raw in
            var availableIn = raw.count
            var nextIn = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            repeat {
                var availableOut = 0
                guard BrotliEncoderCompressStream(self.state, operation, &availableIn, &nextIn, &availableOut, nil, nil) == BROTLI_TRUE else {
                    throw ContentCodecError(description: "brotli encoder failed")
                }
                self.take(into: &output)
            } while availableIn > 0 || (operation == BROTLI_OPERATION_FINISH && BrotliEncoderIsFinished(self.state) == BROTLI_FALSE)
        }
        return output
    }

    private func take(into output: inout ByteBuffer) {
        while BrotliEncoderHasMoreOutput(self.state) == BROTLI_TRUE {
            var size = 0
            guard let bytes = BrotliEncoderTakeOutput(self.state, &size), size > 0 else { return }
            output.writeBytes(UnsafeRawBufferPointer(start: bytes, count: size))
        }
    }
}

/// libbrotli's streaming decoder.
final class BrotliDecoder: ContentTransform {
    private let state: OpaquePointer

    init() { self.state = BrotliDecoderCreateInstance(nil, nil, nil) }

    deinit { BrotliDecoderDestroyInstance(self.state) }

    func transform(_ part: ByteBuffer) throws -> ByteBuffer {
        var output = ByteBuffer()
        try part.withUnsafeReadableBytes { raw in
            var availableIn = raw.count
            var nextIn = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            while true {
                var availableOut = 0
                let result = BrotliDecoderDecompressStream(self.state, &availableIn, &nextIn, &availableOut, nil, nil)
                while BrotliDecoderHasMoreOutput(self.state) == BROTLI_TRUE {
                    var size = 0
                    guard let bytes = BrotliDecoderTakeOutput(self.state, &size), size > 0 else { break }
                    output.writeBytes(UnsafeRawBufferPointer(start: bytes, count: size))
                }
                switch result {
                case BROTLI_DECODER_RESULT_ERROR:
                    throw ContentCodecError(description: "invalid brotli data")
                case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
                    continue
                default:
                    return
                }
            }
        }
        return output
    }

    func finish() throws -> ByteBuffer {
        guard BrotliDecoderIsFinished(self.state) == BROTLI_TRUE else {
            throw ContentCodecError(description: "brotli data ended early")
        }
        return ByteBuffer()
    }
}

/// gzip through zlib (compress-nio).
final class GzipEncoder: ContentTransform {
    private let compressor: ZlibCompressor
    private var window = ByteBuffer()

    init(level: Int) throws {
        self.compressor = try ZlibCompressor(
            algorithm: .gzip, configuration: ZlibConfiguration(compressionLevel: Int32(max(1, min(9, level))))
        )
        self.window.reserveCapacity(64 * 1024)
    }

    func transform(_ part: ByteBuffer) throws -> ByteBuffer {
        try self.run(part, flush: .no)
    }

    func finish() throws -> ByteBuffer {
        try self.run(ByteBuffer(), flush: .finish)
    }

    private func run(_ input: ByteBuffer, flush: CompressNIOFlush) throws -> ByteBuffer {
        var input = input
        var output = ByteBuffer()
        try input.compressStream(with: self.compressor, window: &self.window, flush: flush) { produced in
            var produced = produced
            output.writeBuffer(&produced)
        }
        if flush == .no, self.window.readableBytes > 0 {
            // Data zlib has already produced but not flushed out of the window yet.
            output.writeBuffer(&self.window)
            self.window.clear()
        }
        return output
    }
}

final class GzipDecoder: ContentTransform {
    private let decompressor: ZlibDecompressor

    init() throws { self.decompressor = try ZlibDecompressor(algorithm: .gzip) }

    func transform(_ part: ByteBuffer) throws -> ByteBuffer {
        var input = part
        var output = ByteBuffer()
        while input.readableBytes > 0 {
            var chunk = ByteBuffer()
            chunk.reserveCapacity(max(64 * 1024, input.readableBytes * 4))
            do {
                try self.decompressor.inflate(from: &input, to: &chunk)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                // The window was full: keep what came out and go on.
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                output.writeBuffer(&chunk)
                break
            }
            if chunk.readableBytes == 0 && input.readableBytes > 0 {
                throw ContentCodecError(description: "invalid gzip data")
            }
            output.writeBuffer(&chunk)
        }
        return output
    }

    func finish() throws -> ByteBuffer { ByteBuffer() }
}
