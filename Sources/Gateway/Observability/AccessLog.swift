import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// One request as the access log tells it.
struct AccessRecord {
    let clientIP: String
    let method: String
    let target: String
    let status: UInt
    let rule: String
    /// The cache outcome (`hit`, `miss`, `bypass`, ...), `-` when there was none.
    let cache: String
    let bytesOut: Int
    let duration: TimeAmount
    let originDuration: TimeAmount?
    /// False for a cache hit that `access_log.hit_sample` leaves out (metrics still count it).
    var isLogged = true
    /// The hit sample share, on a sampled hit's line.
    var sample: Double?

    /// One JSON object on one line, appended to `line` as UTF-8 bytes: the access log writes one per
    /// request, so it is built byte by byte into a buffer the log keeps, not by String interpolation
    /// (which cost 12 % of a logged 300-byte hit's CPU in a profile).
    func appendJSONLine(time: String, to line: inout [UInt8]) {
        line.append(contentsOf: "{\"time\":\"".utf8)
        line.append(contentsOf: time.utf8)
        line.append(UInt8(ascii: "\""))
        Self.appendField("client", string: self.clientIP, to: &line)
        Self.appendField("method", string: self.method, to: &line)
        Self.appendField("path", string: self.target, to: &line)
        Self.appendField("status", number: Int(self.status), to: &line)
        Self.appendField("rule", string: self.rule, to: &line)
        Self.appendField("cache", string: self.cache, to: &line)
        Self.appendField("bytes", number: self.bytesOut, to: &line)
        Self.appendField("duration_ms", milliseconds: self.duration, to: &line)
        if let originDuration = self.originDuration {
            Self.appendField("origin_ms", milliseconds: originDuration, to: &line)
        }
        if let sample = self.sample {
            Self.appendName("sample", to: &line)
            line.append(contentsOf: "\(sample)".utf8)
        }
        line.append(contentsOf: "}\n".utf8)
    }

    /// `,"name":` (the names are plain ASCII, written as they are).
    private static func appendName(_ name: String, to line: inout [UInt8]) {
        line.append(contentsOf: ",\"".utf8)
        line.append(contentsOf: name.utf8)
        line.append(contentsOf: "\":".utf8)
    }

    private static func appendField(_ name: String, string value: String, to line: inout [UInt8]) {
        Self.appendName(name, to: &line)
        Self.appendQuoted(value, to: &line)
    }

    private static func appendField(_ name: String, number value: Int, to line: inout [UInt8]) {
        Self.appendName(name, to: &line)
        Self.appendDecimal(value, to: &line)
    }

    private static func appendField(_ name: String, milliseconds value: TimeAmount, to line: inout [UInt8]) {
        Self.appendName(name, to: &line)
        Self.appendMilliseconds(value, to: &line)
    }

    /// The line as a String (for tests and tools; the log itself writes the bytes).
    func jsonLine(time: String) -> String {
        var line: [UInt8] = []
        self.appendJSONLine(time: time, to: &line)
        return String(decoding: line, as: UTF8.self)
    }

    /// Milliseconds with three decimals: `12.345`.
    private static func appendMilliseconds(_ amount: TimeAmount, to line: inout [UInt8]) {
        let micros = max(0, amount.nanoseconds / 1000)
        Self.appendDecimal(Int(micros / 1000), to: &line)
        let fraction = Int(micros % 1000)
        line.append(UInt8(ascii: "."))
        line.append(UInt8(ascii: "0") + UInt8(fraction / 100))
        line.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        line.append(UInt8(ascii: "0") + UInt8(fraction % 10))
    }

    /// A decimal integer, without the String that `description` would make.
    static func appendDecimal(_ value: Int, to line: inout [UInt8]) {
        if value < 0 { line.append(UInt8(ascii: "-")) }
        let start = line.count
        var rest = value.magnitude
        repeat {
            line.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        line[start...].reverse()
    }

    /// A JSON string: `"`, `\\` and control characters escaped (RFC 8259 section 7); everything else is
    /// copied as the UTF-8 it already is.
    static func appendQuoted(_ value: String, to line: inout [UInt8]) {
        line.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): line.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): line.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): line.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): line.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): line.append(contentsOf: #"\t"#.utf8)
            case ..<0x20:
                // \u0000 to \u001f: the high digit is 0 or 1, the low one 0-9 or a-f.
                let low = byte & 0x0f
                line.append(contentsOf: #"\u00"#.utf8)
                line.append(UInt8(ascii: "0") + (byte >> 4))
                line.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + (low - 10))
            default:
                line.append(byte)
            }
        }
        line.append(UInt8(ascii: "\""))
    }

    /// `value` as a JSON string literal.
    static func quoted(_ value: String) -> String {
        var line: [UInt8] = []
        line.reserveCapacity(value.utf8.count + 2)
        Self.appendQuoted(value, to: &line)
        return String(decoding: line, as: UTF8.self)
    }
}

/// Where access log lines go: standard output, a file, or nowhere. Lines are buffered by stdio (64 KiB,
/// or by line on a terminal) and flushed at least once a second, so logging does not cost a write(2) per
/// request.
public final class AccessLog: Sendable {
    public enum Destination: Sendable, Equatable {
        case off
        case standardOutput
        case file(String)

        /// `stdout`, `off`, or a path.
        public init(_ text: String) {
            switch text {
            case "off", "none": self = .off
            case "stdout", "-": self = .standardOutput
            default: self = .file(text)
            }
        }
    }

    private struct State: @unchecked Sendable {  // the FILE pointer is only touched under the lock
        var stream: UnsafeMutablePointer<FILE>?
        var second: Int = -1
        var timestamp = ""
        var lastFlush = 0
        /// The line being written, kept between requests so that a line costs no allocation.
        var line: [UInt8] = []
        /// stdio's buffer for the stream, when it is ours.
        var buffer: UnsafeMutablePointer<CChar>?
    }

    private let state: NIOLockedValueBox<State>
    public let isEnabled: Bool
    private static let bufferBytes = 64 * 1024

    public init(_ destination: Destination) throws {
        var state = State()
        switch destination {
        case .off:
            state.stream = nil
        case .standardOutput:
            state.stream = fdopen(STDOUT_FILENO, "w")
        case .file(let path):
            guard let stream = fopen(path, "a") else {
                throw AccessLogError(path: path, reason: String(cString: strerror(errno)))
            }
            state.stream = stream
        }
        // 64 KiB between writes instead of stdio's 4 KiB: a write(2) per ~300 lines, not per ~20. glibc takes
        // the size only with a buffer of ours (with none it allocates its default), which lives as long as the
        // stream: the log's. A terminal keeps its line buffering, so a person watching sees each line at once.
        if let stream = state.stream, isatty(fileno(stream)) == 0 {
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Self.bufferBytes)
            setvbuf(stream, buffer, _IOFBF, Self.bufferBytes)
            state.buffer = buffer
        }
        self.isEnabled = state.stream != nil
        self.state = NIOLockedValueBox(state)
    }

    func write(_ record: AccessRecord) {
        guard self.isEnabled, record.isLogged else { return }
        let now = Int(Date().timeIntervalSince1970)
        self.state.withLockedValue { state in
            guard let stream = state.stream else { return }
            if now != state.second {
                state.second = now
                state.timestamp = Date(timeIntervalSince1970: TimeInterval(now)).formatted(.iso8601)
            }
            state.line.removeAll(keepingCapacity: true)
            record.appendJSONLine(time: state.timestamp, to: &state.line)
            state.line.withUnsafeBufferPointer { bytes in _ = fwrite(bytes.baseAddress, 1, bytes.count, stream) }
            if now != state.lastFlush {
                state.lastFlush = now
                fflush(stream)
            }
        }
    }

    /// A file is closed and its buffer freed. Standard output is flushed and stays open, with its buffer:
    /// it is the process's, and stdio flushes it again at exit.
    deinit {
        self.state.withLockedValue { state in
            guard let stream = state.stream else { return }
            if fileno(stream) == STDOUT_FILENO {
                fflush(stream)
            } else {
                fclose(stream)
                state.buffer?.deallocate()
            }
            state.stream = nil
        }
    }

    public func flush() {
        self.state.withLockedValue { state in
            if let stream = state.stream { fflush(stream) }
        }
    }
}

public struct AccessLogError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot open access log \(self.path): \(self.reason)" }
}
