// Fuzz target `request-head`: the path a request head takes before the cache, as the edge runs it:
//
//   bytes -> NIO's HTTPRequestDecoder (llhttp) -> RequestBounds (0 admit) -> RequestAddress (1 identify:
//   origin-form or absolute-form, Host, RequestTarget normalisation) -> GatewayConfig.decide (2 route)
//   -> CacheKey and VariantKey (4 look up)
//
// against the shipped rules.yaml (loaded once) and a second, built-in configuration that uses what the shipped
// one does not: host patterns, methods and cache key policies. The request target as written on the request
// line is also fed to the normalisation and key functions directly, before NIO's validation narrows it.
//
// Checked beyond "does not crash": normalisation is idempotent (a normalised path parses to itself), a
// normalised path has no empty, `.` or `..` segment and no byte outside visible ASCII, both spellings route
// to the same rule, the cache key has the shape `v1|host|path[?query]`, and a request matches its own
// Vary entry.
import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Rules
@_spi(Benchmarks) @testable import Gateway

/// The rules file to match against: $FUZZ_RULES_YAML, else the repository's rules.yaml.
private let shippedConfig: GatewayConfig = {
    let path = ProcessInfo.processInfo.environment["FUZZ_RULES_YAML"]
        ?? URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("rules.yaml").path
    switch ConfigLoader.load(file: path) {
    case .success(let config): return config
    case .failure(let problems): fatalError("fuzz-request-head: cannot load \(path):\n\(problems.rendered(file: path))")
    }
}()

/// Host patterns, methods and key policies, which the shipped rules.yaml does not use.
private let extraConfig: GatewayConfig = {
    let yaml = """
        origin: { url: "http://127.0.0.1:54321" }
        rules:
          - name: sorted-key
            match: { path: "/search*", hosts: ["*.example.com", "Example.ORG"], methods: [GET] }
            cache: { edge_ttl: 30s, key: { query: sorted, ignore: [utm_source, fbclid] } }
          - name: only-key
            match: { path: ["/p/*/x", "/*.js"], hosts: ["[::1]", "127.0.0.1", "example.net."] }
            cache: { edge_ttl: 1h, key: { only: [page, id] } }
          - name: no-query
            match: { path: "/static/*", methods: [GET, POST] }
            cache: { edge_ttl: 1d, key: { query: none } }
          - name: everything
            match: { path: "/*" }
            cache: bypass
        """
    switch ConfigLoader.load(yaml: yaml) {
    case .success(let config): return config
    case .failure(let problems): fatalError("fuzz-request-head: the built-in configuration is invalid:\n\(problems.rendered(file: "extra"))")
    }
}()

private let configs = [shippedConfig, extraConfig]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestHead(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    fuzzTargetAsWritten(bytes)
    for head in decodeHeads(bytes) {
        fuzzHead(head)
    }
    return 0
}

/// The request heads NIO's decoder makes of `bytes` (it stops at the first parse error, as the server does).
private func decodeHeads(_ bytes: UnsafeBufferPointer<UInt8>) -> [HTTPRequestHead] {
    let channel = EmbeddedChannel()
    defer { _ = try? channel.finish() }
    do {
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try channel.writeInbound(buffer)
    } catch {
        // A malformed head: the server answers 400 and closes. Whatever was decoded before it still counts.
    }
    var heads: [HTTPRequestHead] = []
    while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
        if case .head(let head) = part { heads.append(head) }
    }
    return heads
}

/// Steps 0, 1, 2 and 4 of the edge pipeline for one decoded head.
private func fuzzHead(_ head: HTTPRequestHead) {
    for config in configs {
        _ = RequestBounds.refusal(for: head, limits: config.server)
    }
    _ = RequestFraming(head)
    guard case .success(let address) = RequestAddress.resolve(head) else { return }
    checkNormalised(address.target)
    for config in configs {
        route(config: config, method: head.method.rawValue, host: address.host, target: address.target)
    }
    let variant = VariantKey(names: ["accept-encoding", "accept-language"], request: head.headers)
    precondition(variant.matches(head.headers), "a request does not match its own Vary entry: \(variant)")
}

/// The request-line's target, as sent: normalisation, routing and keys without NIO's validation first.
private func fuzzTargetAsWritten(_ bytes: UnsafeBufferPointer<UInt8>) {
    let line = bytes.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
    let words = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
    let method = words.count > 1 ? String(decoding: words[0], as: UTF8.self) : "GET"
    let uri = String(decoding: words.count > 1 ? words[1] : line, as: UTF8.self)
    if let absolute = AbsoluteURI(uri) {
        precondition(absolute.pathAndQuery.hasPrefix("/"), "absolute-form \(uri) gave a path without /: \(absolute.pathAndQuery)")
    }
    guard let target = RequestTarget.parse(uri) else { return }
    checkNormalised(target)
    for config in configs {
        route(config: config, method: method, host: "www.example.com", target: target)
    }
}

/// A normalised target is a fixed point of normalisation, and looks normalised.
private func checkNormalised(_ target: RequestTarget) {
    let path = target.path
    precondition(path.hasPrefix("/"), "normalised path without a leading /: \(path)")
    precondition(
        path.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") },
        "normalised path with a byte that must be escaped: \(path)"
    )
    let segments = path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    for (index, segment) in segments.enumerated() {
        let isLast = index == segments.count - 1
        precondition(!segment.isEmpty || isLast, "normalised path with an empty segment: \(path)")
        precondition(!segment.elementsEqual(".".utf8) && !segment.elementsEqual("..".utf8), "normalised path with a dot segment: \(path)")
    }
    guard let again = RequestTarget.parse(target.normalised) else {
        preconditionFailure("a normalised target does not parse: \(target.normalised)")
    }
    precondition(again == target, "normalisation is not idempotent: \(target.normalised) -> \(again.normalised)")
}

/// Step 2 and the cache key, twice: the decision and the key must not depend on the path's spelling.
private func route(config: GatewayConfig, method: String, host: String, target: RequestTarget) {
    let facts = RequestFacts(method: method, host: host, path: target.path, query: target.query)
    let decision = config.decide(facts)
    let policy = decision.cache.keyPolicy
    let key = CacheKey(version: 1, host: host, target: target, policy: policy)
    let prefix = "v1|\(host)|\(target.path)"
    precondition(key.primary.hasPrefix(prefix), "cache key \(key.primary) does not start with \(prefix)")
    if let query = policy.keyQuery(target.query) {
        precondition(key.primary == prefix + "?" + query, "cache key \(key.primary) is not \(prefix)?\(query)")
        precondition(!query.isEmpty || policy.isDefault, "an empty key query from a non-default policy")
    } else {
        precondition(key.primary == prefix, "cache key \(key.primary) is not \(prefix)")
    }
    // The same request spelt with its normalised target meets the same rule and the same key.
    if let respelt = RequestTarget.parse(target.normalised) {
        let again = config.decide(RequestFacts(method: method, host: host, path: respelt.path, query: respelt.query))
        precondition(again.ruleIndex == decision.ruleIndex, "\(target.normalised) meets rule \(String(describing: again.ruleIndex)), was \(String(describing: decision.ruleIndex))")
        precondition(CacheKey(version: 1, host: host, target: respelt, policy: policy) == key, "the key of \(target.normalised) changed when respelt")
    }
    _ = config.matchingRuleIndex(facts)
    _ = Explanation.render(config: config, request: facts, headers: [])
}
