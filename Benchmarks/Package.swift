// swift-tools-version:6.1
// Micro-benchmarks of the gateway's per-request hot functions (rule matching, cache keys, RFC 9111
// store/reuse decisions, the rate limiter's decision) with package-benchmark. Not part of the main build:
// a package of its own that uses the parent package's libraries by path, so the main package does not
// depend on the benchmark package. Run them with bench/micro (its header says how to read the table).
//
// Only the `MallocInterposer` trait of package-benchmark is enabled: malloc counts come from its
// malloc-interposer (no jemalloc on Swift 6.3); the default `RuntimeInterposer` trait (ARC counters on
// Linux with Swift 6.3) is left off, which also keeps swift-runtime-interposer out of the resolution;
// these benchmarks do not ask for retain/release counts.
import PackageDescription

let package = Package(
    name: "edge-gateway-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "edge-gateway", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Rules", package: "edge-gateway"),
                .product(name: "CacheSemantics", package: "edge-gateway"),
                .product(name: "Gateway", package: "edge-gateway"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
