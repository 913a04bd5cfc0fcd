// swift-tools-version:6.0
// libFuzzer targets for the gateway's parsers. Not part of the main build: a package of its own that uses
// the parent package's libraries by path. Build and run them with scripts/fuzz (Fuzz/README.md).
//
// Built with `swift build --sanitize=fuzzer` (not `-Xswiftc -sanitize=fuzzer`): with SwiftPM's own flag
// the executables get libFuzzer's `main`; with the raw swiftc flag SwiftPM still renames the program's
// entry point to `<Target>_main` and the link fails with "undefined symbol 'FuzzRules_main'".
// The targets have no main.swift and no @main: libFuzzer calls `LLVMFuzzerTestOneInput`.
import PackageDescription

let package = Package(
    name: "edge-gateway-fuzz",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fuzz-rules", targets: ["FuzzRules"]),
        .executable(name: "fuzz-request-head", targets: ["FuzzRequestHead"]),
        .executable(name: "fuzz-cache-control", targets: ["FuzzCacheControl"]),
        .executable(name: "fuzz-accept-encoding", targets: ["FuzzAcceptEncoding"]),
    ],
    dependencies: [
        .package(name: "edge-gateway", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "FuzzRules",
            dependencies: [.product(name: "Rules", package: "edge-gateway")]
        ),
        .executableTarget(
            name: "FuzzRequestHead",
            dependencies: [
                .product(name: "Rules", package: "edge-gateway"),
                .product(name: "Gateway", package: "edge-gateway"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "FuzzCacheControl",
            dependencies: [.product(name: "Gateway", package: "edge-gateway")]
        ),
        .executableTarget(
            name: "FuzzAcceptEncoding",
            dependencies: [.product(name: "Rules", package: "edge-gateway")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
