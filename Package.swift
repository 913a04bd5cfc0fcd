// swift-tools-version:6.0
import PackageDescription

/// Release builds skip the runtime exclusivity checks on the hot path (about 4% of a request in a
/// profile); debug builds and the tests keep them.
let hotPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "edge-gateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gateway", targets: ["GatewayCLI"]),
        .executable(name: "demo-origin", targets: ["DemoOrigin"]),
        .library(name: "Rules", targets: ["Rules"]),
        .library(name: "Gateway", targets: ["Gateway"]),
        .library(name: "CacheSemantics", targets: ["CacheSemantics"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-http-structured-headers.git", from: "1.7.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Pure: the rules.yaml model, parsing with line:column, validation, matching. No NIO, no I/O.
        .target(
            name: "Rules",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: hotPathSettings
        ),
        // libbrotli from Debian's libbrotli-dev (pkg-config has no `brotli`; libbrotlienc is the name).
        .systemLibrary(
            name: "CBrotli",
            pkgConfig: "libbrotlienc",
            providers: [.apt(["libbrotli-dev"])]
        ),
        // Pure RFC 9111 logic: Cache-Control, HTTP dates, storability, freshness, age, conditionals. No I/O.
        .target(name: "CacheSemantics", swiftSettings: hotPathSettings),
        // memfd_create(2) for large stored bodies, sent with sendfile (SpooledBody).
        .target(name: "CSpool"),
        // The server: listeners, the edge pipeline, the origin pool, admin.
        .target(
            name: "Gateway",
            dependencies: [
                "Rules", "CacheSemantics", "CBrotli", "CSpool", "RedisClient",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: hotPathSettings
        ),
        // libhiredis from Debian's libhiredis-dev, used as the RESP codec only (SwiftNIO does the I/O).
        // Its headers are in /usr/include/hiredis and the module map links it, so pkg-config is not asked:
        // Debian's hiredis.pc carries `-D_FILE_OFFSET_BITS=64`, which SwiftPM refuses with a warning on every
        // build (and which means nothing on 64-bit). scripts/setup installs the package.
        .systemLibrary(name: "CHiredis"),
        // The Redis client: pooled, pipelined, timeouts, circuit breaker, pub/sub, EVALSHA.
        .target(
            name: "RedisClient",
            dependencies: [
                "CHiredis", "Rules",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A small scriptable HTTP/1.1 origin on SwiftNIO: the demo origin and the tests' origin.
        .target(
            name: "OriginKit",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // `gateway test`: case files run against the real gateway and a scripted origin.
        .target(
            name: "CaseRunner",
            dependencies: [
                "Rules", "Gateway", "CacheSemantics", "OriginKit", "GatewayTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "GatewayCLI",
            dependencies: [
                "Rules", "Gateway", "CaseRunner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "DemoOrigin",
            dependencies: [
                "OriginKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // posix_spawn with closefrom and chdir for the tests' child processes (see CSpawn.h).
        .target(name: "CSpawn"),
        // Start a gateway, a scripted origin and raw clients on free loopback ports, one line per test.
        .target(
            name: "GatewayTestSupport",
            dependencies: [
                "Gateway", "Rules", "OriginKit", "CSpawn",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "RulesTests", dependencies: ["Rules"]),
        .testTarget(name: "CacheSemanticsTests", dependencies: ["CacheSemantics"]),
        .testTarget(
            name: "RedisClientTests",
            dependencies: [
                "RedisClient", "GatewayTestSupport", "Rules",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "Rules", "OriginKit", "GatewayTestSupport", "CacheSemantics", "CaseRunner",
                .product(name: "RawStructuredFieldValues", package: "swift-http-structured-headers"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
