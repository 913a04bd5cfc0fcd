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

    /// One JSON object on one line.
    func jsonLine(time: String) -> String {
        var line = "{\"time\":\"\(time)\",\"client\":\(Self.quoted(self.clientIP)),\"method\":\(Self.quoted(self.method))"
        line += ",\"path\":\(Self.quoted(self.target)),\"status\":\(self.status),\"rule\":\(Self.quoted(self.rule)),\"cache\":\(Self.quoted(self.cache))"
        line += ",\"bytes\":\(self.bytesOut),\"duration_ms\":\(Self.milliseconds(self.duration))"
        if let originDuration = self.originDuration {
            line += ",\"origin_ms\":\(Self.milliseconds(originDuration))"
        }
        if let sample = self.sample {
            line += ",\"sample\":\(sample)"
        }
        line += "}\n"
        return line
    }

    private static func milliseconds(_ amount: TimeAmount) -> String {
        let micros = amount.nanoseconds / 1000
        let whole = micros / 1000
        let fraction = micros % 1000
        let padded = String(fraction)
        return "\(whole).\(String(repeating: "0", count: 3 - padded.count))\(padded)"
    }

    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Where access log lines go: standard output, a file, or nowhere. Lines are buffered by stdio and
/// flushed at least once a second, so logging does not cost a write(2) per request.
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
    }

    private let state: NIOLockedValueBox<State>
    public let isEnabled: Bool

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
            let line = record.jsonLine(time: state.timestamp)
            fputs(line, stream)
            if now != state.lastFlush {
                state.lastFlush = now
                fflush(stream)
            }
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
