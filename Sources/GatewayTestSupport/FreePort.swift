import Foundation
import NIOCore
import NIOPosix

/// A loopback port that refuses connections for as long as this lives: a socket bound to it that never
/// listens, so a connection gets a reset and no other test can take the port in between (a port found free
/// and let go was taken by another test's listener, which then answered).
public final class RefusingLoopbackPort: @unchecked Sendable {
    // @unchecked: the descriptor is only closed, once, in deinit.
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        #if canImport(Darwin)
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #else
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard descriptor >= 0 else { throw GatewayProcessError(message: "no socket for a refusing port") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else {
            close(descriptor)
            throw GatewayProcessError(message: "could not bind a refusing loopback port")
        }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(self.descriptor) }
}

/// This process's resident set size in bytes, from /proc (Linux).
public func residentSetBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let digits = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return digits * 1024
    }
    return 0
}

/// `count` distinct unused loopback ports: all bound at once, then released.
public func unusedLoopbackPorts(_ count: Int) async throws -> [Int] {
    var channels: [Channel] = []
    for _ in 0..<count {
        channels.append(try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get())
    }
    let ports = channels.map { $0.localAddress?.port ?? 0 }
    for channel in channels { try await channel.close() }
    return ports
}
