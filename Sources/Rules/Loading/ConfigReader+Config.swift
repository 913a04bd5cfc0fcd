import Yams

extension ConfigReader {
    static let topLevelKeys = ["listen", "admin", "origin", "redis", "cache", "clients", "compression", "server", "limits", "access_log", "rules"]

    /// The whole file. Returns a config only when it could build one; `problems` decides whether it is valid.
    mutating func readConfig(_ root: Node) -> GatewayConfig? {
        guard case .mapping(let mapping) = root else {
            report(Self.location(root), "expected a mapping of settings (listen, origin, rules, ...) at the top level, got \(Self.shape(root))")
            return nil
        }
        let fields = fields(of: mapping, in: "the top level", known: Self.topLevelKeys)
        let defaults = GatewayConfig(origin: OriginConfig(url: OriginURL(host: "127.0.0.1", port: 80)))

        var origin: OriginConfig?
        if let node = fields["origin"] {
            origin = readOrigin(node)
        } else {
            report(fields.location, "`origin` is required: add origin: { url: \"http://127.0.0.1:54321\" }")
        }
        var listen: ListenAddress? = defaults.listen
        if let node = fields["listen"] { listen = listenAddress(node, "listen", example: "0.0.0.0:8080") }
        var admin: ListenAddress? = defaults.admin
        if let node = fields["admin"] { admin = listenAddress(node, "admin", example: "127.0.0.1:9090") }
        let redis = fields["redis"].flatMap { readRedis($0) }
        let cache = fields["cache"].map { readCache($0) } ?? defaults.cache
        let clients = fields["clients"].map { readClients($0) } ?? defaults.clients
        let compression = fields["compression"].map { readCompression($0) } ?? defaults.compression
        let server = fields["server"].map { readServer($0) } ?? defaults.server
        let limits = fields["limits"].map { readLimits($0) } ?? defaults.limits
        let accessLog = fields["access_log"].map { readAccessLog($0) } ?? defaults.accessLog
        let rules = fields["rules"].map { readRules($0) } ?? []
        checkShadowing(rules)

        guard let origin, let listen, let admin else { return nil }
        if listen == admin, let node = fields["admin"] ?? fields["listen"] {
            report(Self.location(node), "admin \"\(admin)\": the admin listener cannot share the address of `listen`; pick another port")
        }
        return GatewayConfig(
            listen: listen, origin: origin, redis: redis, admin: admin, cache: cache, clients: clients,
            compression: compression, server: server, limits: limits, accessLog: accessLog, rules: rules
        )
    }

    /// `limits: { local_share: 50% }`: how much of a sustained limit each instance allows on its own
    /// while Redis is away.
    mutating func readLimits(_ node: Node) -> LimitsConfig {
        var limits = LimitsConfig()
        guard let mapping = mapping(node, "limits", example: "{ local_share: 50% }") else { return limits }
        let fields = fields(of: mapping, in: "limits", known: ["local_share"])
        if let node = fields["local_share"] {
            limits.localShare = share(
                node, "limits.local_share", allowZero: false, hint: "(e.g. 50% when two instances share Redis)"
            ) ?? limits.localShare
        }
        return limits
    }

    /// `access_log: { hit_sample: 1% }`: log one cache hit in a hundred (everything else is always logged).
    mutating func readAccessLog(_ node: Node) -> AccessLogConfig {
        var accessLog = AccessLogConfig()
        guard let mapping = mapping(node, "access_log", example: "{ hit_sample: 1% }") else { return accessLog }
        let fields = fields(of: mapping, in: "access_log", known: ["hit_sample"])
        if let node = fields["hit_sample"] {
            accessLog.hitSample = share(node, "access_log.hit_sample", allowZero: true, hint: "(0% logs no hits, 100% every one)")
                ?? accessLog.hitSample
        }
        return accessLog
    }

    /// A share written `50%` or `0.5`.
    mutating func share(_ node: Node, _ path: String, allowZero: Bool, hint: String) -> Double? {
        guard let text = text(node, path, expected: "a share such as 50% or 0.5") else { return nil }
        let number = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
        if let number, allowZero ? number >= 0 : number > 0, number <= 1 {
            return number
        }
        report(Self.location(node), "\(path) \"\(text)\": expected a share from \(allowZero ? "0%" : "1%") to 100% \(hint)")
        return nil
    }

    mutating func listenAddress(_ node: Node, _ path: String, example: String) -> ListenAddress? {
        value(node, path, expected: "HOST:PORT such as \(example)", ListenAddress.parse)
    }

    mutating func readOrigin(_ node: Node) -> OriginConfig? {
        let example = "{ url: \"http://127.0.0.1:54321\" }"
        guard let mapping = mapping(node, "origin", example: example) else { return nil }
        let fields = fields(
            of: mapping, in: "origin",
            known: ["url", "connect_timeout", "response_timeout", "max_connections", "idle_timeout"]
        )
        var origin = OriginConfig(url: OriginURL(host: "127.0.0.1", port: 80))
        var valid = true
        if let url = fields["url"] {
            if let parsed = value(url, "origin.url", expected: "a URL such as http://127.0.0.1:54321", { text in
                OriginURL.parse(text).mapError { ValueSyntaxError($0.reason) }
            }) {
                origin.url = parsed
            } else {
                valid = false
            }
        } else {
            report(fields.location, "origin.url is required: add url: \"http://HOST:PORT\"")
            valid = false
        }
        if let node = fields["connect_timeout"] { origin.connectTimeout = duration(node, "origin.connect_timeout") ?? origin.connectTimeout }
        if let node = fields["response_timeout"] { origin.responseTimeout = duration(node, "origin.response_timeout") ?? origin.responseTimeout }
        if let node = fields["idle_timeout"] { origin.idleTimeout = duration(node, "origin.idle_timeout") ?? origin.idleTimeout }
        if let node = fields["max_connections"] {
            origin.maxConnections = integer(node, "origin.max_connections", in: 1...Int.max) ?? origin.maxConnections
        }
        return valid ? origin : nil
    }

    mutating func readRedis(_ node: Node) -> RedisConfig? {
        guard let mapping = mapping(node, "redis", example: "{ url: \"redis://127.0.0.1:6379/0\" } (or delete it for memory only)") else {
            return nil
        }
        let fields = fields(of: mapping, in: "redis", known: ["url"])
        guard let url = fields["url"] else {
            report(fields.location, "redis.url is required: add url: \"redis://127.0.0.1:6379/0\", or delete `redis` for memory only")
            return nil
        }
        return value(url, "redis.url", expected: "a URL such as redis://127.0.0.1:6379/0", RedisConfig.parse)
    }

    mutating func readCache(_ node: Node) -> CacheConfig {
        var cache = CacheConfig()
        guard let mapping = mapping(node, "cache", example: "{ memory: 512MiB, max_object: 16MiB }") else { return cache }
        let fields = fields(of: mapping, in: "cache", known: ["memory", "max_object"])
        if let node = fields["memory"] { cache.memory = byteCount(node, "cache.memory") ?? cache.memory }
        if let node = fields["max_object"] {
            if let size = byteCount(node, "cache.max_object") {
                cache.maxObject = size
                if size > cache.memory {
                    report(Self.location(node), "cache.max_object \"\(size)\": larger than cache.memory (\(cache.memory)); an object must fit in the cache")
                }
            }
        }
        return cache
    }

    mutating func readClients(_ node: Node) -> ClientsConfig {
        var clients = ClientsConfig()
        guard let mapping = mapping(node, "clients", example: "{ trusted_proxies: [\"127.0.0.0/8\"] }") else { return clients }
        let fields = fields(of: mapping, in: "clients", known: ["trusted_proxies"])
        if let node = fields["trusted_proxies"] {
            if case .sequence(let sequence) = node, sequence.isEmpty {
                return clients  // `[]`: trust no proxy, as when absent
            }
            let expected = "an address block such as 127.0.0.0/8"
            for (text, location) in textList(node, "clients.trusted_proxies", expected: expected) ?? [] {
                switch CIDR.parse(text) {
                case .success(let block): clients.trustedProxies.append(block)
                case .failure(let error): report(location, "clients.trusted_proxies \"\(text)\": \(error.reason)")
                }
            }
        }
        return clients
    }

    mutating func readCompression(_ node: Node) -> CompressionConfig {
        var compression = CompressionConfig()
        let example = "{ brotli: 5, gzip: 6, min_size: 1KiB, types: [text/*, application/json] }"
        guard let mapping = mapping(node, "compression", example: example) else { return compression }
        let fields = fields(of: mapping, in: "compression", known: ["brotli", "gzip", "min_size", "types"])
        if let node = fields["brotli"] { compression.brotliLevel = integer(node, "compression.brotli", in: 0...11) ?? compression.brotliLevel }
        if let node = fields["gzip"] { compression.gzipLevel = integer(node, "compression.gzip", in: 1...9) ?? compression.gzipLevel }
        if let node = fields["min_size"] { compression.minSize = byteCount(node, "compression.min_size", allowZero: true) ?? compression.minSize }
        if let node = fields["types"] {
            if case .sequence(let sequence) = node, sequence.isEmpty {
                compression.types = []  // `[]`: compress nothing
            } else {
                var types: [MediaTypePattern] = []
                for (text, location) in textList(node, "compression.types", expected: "a media type such as text/* or application/json") ?? [] {
                    if let pattern = MediaTypePattern.parse(text) {
                        types.append(pattern)
                    } else {
                        report(location, "compression.types \"\(text)\": expected TYPE/SUBTYPE such as application/json, or TYPE/* such as text/*")
                    }
                }
                compression.types = types
            }
        }
        return compression
    }

    mutating func readServer(_ node: Node) -> ServerLimits {
        var server = ServerLimits()
        guard let mapping = mapping(node, "server", example: "{ max_body: 1GiB, header_timeout: 10s }") else { return server }
        let fields = fields(of: mapping, in: "server", known: [
            "max_header", "max_uri", "max_body", "header_timeout", "idle_timeout", "body_timeout", "max_connections", "max_connections_per_ip", "drain_timeout",
        ])
        if let node = fields["max_header"] { server.maxHeaderBytes = byteCount(node, "server.max_header") ?? server.maxHeaderBytes }
        if let node = fields["max_uri"] {
            if let size = byteCount(node, "server.max_uri") {
                server.maxURIBytes = size
                if size > server.maxHeaderBytes {
                    report(Self.location(node), "server.max_uri \"\(size)\": larger than server.max_header (\(server.maxHeaderBytes)), which includes the request line")
                }
            }
        }
        if let node = fields["max_body"] { server.maxBodyBytes = byteCount(node, "server.max_body", allowZero: true) ?? server.maxBodyBytes }
        if let node = fields["header_timeout"] { server.headerTimeout = duration(node, "server.header_timeout") ?? server.headerTimeout }
        if let node = fields["idle_timeout"] { server.idleTimeout = duration(node, "server.idle_timeout") ?? server.idleTimeout }
        if let node = fields["body_timeout"] { server.bodyTimeout = duration(node, "server.body_timeout") ?? server.bodyTimeout }
        if let node = fields["drain_timeout"] {
            server.drainTimeout = duration(node, "server.drain_timeout", allowZero: true) ?? server.drainTimeout
        }
        if let node = fields["max_connections"] {
            server.maxConnections = integer(node, "server.max_connections", in: 1...Int.max) ?? server.maxConnections
        }
        if let node = fields["max_connections_per_ip"] {
            server.maxConnectionsPerIP = integer(node, "server.max_connections_per_ip", in: 1...Int.max) ?? server.maxConnectionsPerIP
        }
        return server
    }
}
