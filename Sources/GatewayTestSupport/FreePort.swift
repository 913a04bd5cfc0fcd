import Foundation
import NIOCore
import NIOPosix

/// A loopback port that nothing listens on (bound, then released), for "origin refused" cases.
public func unusedLoopbackPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    return port
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
