#if canImport(Glibc)
import Glibc
#endif

/// A client that reads a response slowly over a blocking socket: `bytesPerPause`, then a pause. NIO
/// clients read as fast as they can; this one is for proving back-pressure toward the origin.
public enum SlowReader {
    public struct Result: Sendable {
        public var status: Int
        public var bodyBytes: Int
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// GETs `path` from 127.0.0.1:`port` with `Connection: close` and reads to the end.
    public static func download(port: Int, path: String, bytesPerPause: Int, pause: Duration) async throws -> Result {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        // A small receive buffer, so the pauses are felt upstream instead of absorbed by the kernel.
        var small: Int32 = 64 * 1024
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect: \(errno)") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        guard write(fd, request, request.count) == request.count else { throw Failure(description: "write: \(errno)") }

        var head: [UInt8] = []
        var bodyBytes = 0
        var headDone = false
        var sincePause = 0
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw Failure(description: "read: \(errno)") }
            if n == 0 { break }
            if headDone {
                bodyBytes += n
            } else {
                head.append(contentsOf: buffer[0..<n])
                if let end = Self.endOfHead(head) {
                    bodyBytes += head.count - end
                    head = Array(head[0..<end])
                    headDone = true
                }
            }
            sincePause += n
            if sincePause >= bytesPerPause {
                sincePause = 0
                try await Task.sleep(for: pause)
            }
        }
        let statusLine = String(decoding: head.prefix(while: { $0 != 13 }), as: UTF8.self)
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return Result(status: status, bodyBytes: bodyBytes)
    }

    private static func endOfHead(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index + 4
        }
        return nil
    }
}
