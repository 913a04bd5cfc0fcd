/// A parsed, validated rules.yaml: everything the gateway needs to serve.
public struct GatewayConfig: Sendable {
    public var listen: ListenAddress
    public var origin: OriginConfig
    public var redis: RedisConfig?
    public var admin: ListenAddress
    public var cache: CacheConfig
    public var clients: ClientsConfig
    public var compression: CompressionConfig
    public var server: ServerLimits
    public var limits: LimitsConfig
    public var accessLog: AccessLogConfig
    public var rules: [Rule]

    public init(
        listen: ListenAddress = ListenAddress(host: "0.0.0.0", port: 8080),
        origin: OriginConfig,
        redis: RedisConfig? = nil,
        admin: ListenAddress = ListenAddress(host: "127.0.0.1", port: 9090),
        cache: CacheConfig = CacheConfig(),
        clients: ClientsConfig = ClientsConfig(),
        compression: CompressionConfig = CompressionConfig(),
        server: ServerLimits = ServerLimits(),
        limits: LimitsConfig = LimitsConfig(),
        accessLog: AccessLogConfig = AccessLogConfig(),
        rules: [Rule] = []
    ) {
        self.limits = limits
        self.accessLog = accessLog
        self.listen = listen
        self.origin = origin
        self.redis = redis
        self.admin = admin
        self.cache = cache
        self.clients = clients
        self.compression = compression
        self.server = server
        self.rules = rules
    }
}

/// Settings for every rule's rate limits.
public struct LimitsConfig: Sendable, Hashable {
    /// While Redis is away, each instance enforces this share of a sustained limit by itself
    /// (1.0: the whole limit per instance; 0.5 suits two instances).
    public var localShare: Double

    public init(localShare: Double = 1.0) { self.localShare = localShare }
}

/// What the access log writes. Where it writes is `serve --access-log`.
public struct AccessLogConfig: Sendable, Hashable {
    /// The share of cache hits logged (1: every one; 0: none). Every other request is always logged.
    public var hitSample: Double

    public init(hitSample: Double = 1.0) { self.hitSample = hitSample }
}

/// `host:port`; IPv6 hosts are written in brackets: `[::1]:8080`.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The one origin the gateway stands in front of. Only `http://` for now.
public struct OriginConfig: Sendable, Hashable {
    public var url: OriginURL
    public var connectTimeout: Duration
    public var responseTimeout: Duration
    /// Keep-alive connections to the origin, per event loop (worker thread).
    public var maxConnections: Int
    /// How long an unused keep-alive connection to the origin is kept.
    public var idleTimeout: Duration

    public init(
        url: OriginURL,
        connectTimeout: Duration = .seconds(2),
        responseTimeout: Duration = .seconds(30),
        maxConnections: Int = 128,
        idleTimeout: Duration = .seconds(60)
    ) {
        self.url = url
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
    }
}

public struct OriginURL: Sendable, Hashable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int

    public init(scheme: String = "http", host: String, port: Int) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// `http://host:port`, or nil with the reason when the text is not such a URL.
    public static func parse(_ text: String) -> Result<OriginURL, OriginURLError> {
        guard let schemeEnd = text.firstRange(of: "://") else { return .failure(.init(reason: "expected http://HOST:PORT")) }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" else {
            return .failure(.init(reason: "only http:// origins are supported (got \(scheme)://)"))
        }
        var rest = text[schemeEnd.upperBound...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("@") else {
            return .failure(.init(reason: "expected http://HOST:PORT with no path, query or user (got \(text))"))
        }
        guard let hostPort = HostPort.parse(String(rest), defaultPort: 80) else {
            return .failure(.init(reason: "expected http://HOST:PORT with a port from 1 to 65535 (got \(text))"))
        }
        let bracketed = rest.hasPrefix("[")
        guard bracketed ? hostPort.host.contains(":") && IPAddress(hostPort.host) != nil
            : IPAddress(hostPort.host) != nil || HostPattern.isHostName(hostPort.host)
        else {
            return .failure(.init(reason: "\(hostPort.host) is not an IP address or host name (got \(text))"))
        }
        return .success(OriginURL(scheme: scheme, host: hostPort.host, port: hostPort.port))
    }

    /// The value for a Host header aimed at the origin.
    public var hostHeader: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return port == 80 ? host : "\(host):\(port)"
    }

    public var description: String { "\(scheme)://\(hostHeader)" }
}

public struct OriginURLError: Error, Sendable, Hashable {
    public var reason: String
}

/// `host:port`, `[v6]:port` or `host` (default port).
public struct HostPort: Sendable, Hashable {
    public var host: String
    public var port: Int

    public static func parse(_ text: String, defaultPort: Int?) -> HostPort? {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.isEmpty {
                portText = nil
            } else if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else {
                return nil
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return nil }
        } else {
            host = Substring(text)
            portText = nil
        }
        guard !host.isEmpty else { return nil }
        let port: Int
        if let portText {
            guard !portText.isEmpty, portText.utf8.allSatisfy(isDigit), let p = Int(portText), (1...65535).contains(p) else { return nil }
            port = p
        } else {
            guard let defaultPort else { return nil }
            port = defaultPort
        }
        return HostPort(host: String(host), port: port)
    }
}

/// `redis://[:password@]host[:port][/db]`. Memory-only when absent.
public struct RedisConfig: Sendable, Hashable {
    public var url: String
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int
    /// The Redis 6 ACL user (`redis://USER:PASSWORD@host`); nil authenticates as `default`.
    public var username: String?

    public init(url: String, host: String, port: Int, password: String?, database: Int, username: String? = nil) {
        self.url = url
        self.host = host
        self.port = port
        self.password = password
        self.database = database
        self.username = username
    }
}

public struct CacheConfig: Sendable, Hashable {
    /// The memory tier's byte budget.
    public var memory: ByteCount
    /// Larger objects are streamed through and not stored.
    public var maxObject: ByteCount

    public init(memory: ByteCount = .mebibytes(512), maxObject: ByteCount = .mebibytes(16)) {
        self.memory = memory
        self.maxObject = maxObject
    }
}

public struct ClientsConfig: Sendable, Hashable {
    /// Peers whose X-Forwarded-For / Forwarded headers are believed.
    public var trustedProxies: [CIDR]

    public init(trustedProxies: [CIDR] = []) { self.trustedProxies = trustedProxies }
}

public struct CompressionConfig: Sendable, Hashable {
    public var brotliLevel: Int
    public var gzipLevel: Int
    public var minSize: ByteCount
    public var types: [MediaTypePattern]

    public init(
        brotliLevel: Int = 5,
        gzipLevel: Int = 6,
        minSize: ByteCount = .kibibytes(1),
        types: [MediaTypePattern] = MediaTypePattern.defaultCompressible
    ) {
        self.brotliLevel = brotliLevel
        self.gzipLevel = gzipLevel
        self.minSize = minSize
        self.types = types
    }
}

/// `text/*`, `application/json`: what compression applies to.
public struct MediaTypePattern: Sendable, Hashable, CustomStringConvertible {
    public var type: String
    /// `*` matches every subtype.
    public var subtype: String

    public init(type: String, subtype: String) {
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
    }

    public static func parse(_ text: String) -> MediaTypePattern? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0] != "*" || parts[1] == "*" else { return nil }
        return MediaTypePattern(type: String(parts[0]), subtype: String(parts[1]))
    }

    /// Matches a Content-Type value (parameters such as `; charset=utf-8` are ignored).
    public func matches(contentType: String) -> Bool {
        let essence = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces.lowercased() } ?? ""
        let parts = essence.split(separator: "/", maxSplits: 1)
        guard parts.count == 2 else { return false }
        if type == "*" { return true }
        return parts[0] == type && (subtype == "*" || parts[1] == subtype)
    }

    /// Matches a media type already split and lower-cased (see `MediaTypePattern.essence(of:)`): no allocation.
    public func matches(type: Substring, subtype: Substring) -> Bool {
        if self.type == "*" { return true }
        return type == self.type && (self.subtype == "*" || subtype == self.subtype)
    }

    /// `Text/HTML; charset=utf-8` -> (`text`, `html`), lower-cased; nil when it is not TYPE/SUBTYPE.
    public static func essence(of contentType: String) -> (type: Substring, subtype: Substring)? {
        var essence = Substring(contentType)
        if let semicolon = essence.firstIndex(of: ";") { essence = essence[..<semicolon] }
        essence = essence.trimmingSpaces
        if essence.utf8.contains(where: { $0 >= 65 && $0 <= 90 }) { essence = Substring(essence.lowercased()) }
        guard let slash = essence.firstIndex(of: "/") else { return nil }
        let type = essence[..<slash]
        let subtype = essence[essence.index(after: slash)...]
        guard !type.isEmpty, !subtype.isEmpty else { return nil }
        return (type, subtype)
    }

    public var description: String { "\(type)/\(subtype)" }

    public static let defaultCompressible: [MediaTypePattern] = [
        MediaTypePattern(type: "text", subtype: "*"),
        MediaTypePattern(type: "application", subtype: "json"),
        MediaTypePattern(type: "application", subtype: "javascript"),
        MediaTypePattern(type: "image", subtype: "svg+xml"),
    ]
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

/// Bounds on what a client may send and how long it may take: the slowloris and oversize defences.
public struct ServerLimits: Sendable, Hashable {
    /// Request line plus headers; larger is answered 431.
    public var maxHeaderBytes: ByteCount
    /// The request target; longer is answered 414.
    public var maxURIBytes: ByteCount
    /// Request body limit for rules that name none; larger is answered 413.
    public var maxBodyBytes: ByteCount
    /// Time to receive a whole request head once its first byte arrived.
    public var headerTimeout: Duration
    /// Time a keep-alive connection may sit with no request.
    public var idleTimeout: Duration
    /// Time a client may take between two reads of the body it sends.
    public var bodyTimeout: Duration
    /// Open client connections, in total; more are closed at once.
    public var maxConnections: Int
    /// Open client connections from one address (trusted proxies exempt); more are closed at once.
    public var maxConnectionsPerIP: Int
    /// On SIGTERM, how long in-flight requests get to finish.
    public var drainTimeout: Duration

    public init(
        maxHeaderBytes: ByteCount = .kibibytes(32),
        maxURIBytes: ByteCount = .kibibytes(8),
        maxBodyBytes: ByteCount = .gibibytes(1),
        headerTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(75),
        bodyTimeout: Duration = .seconds(30),
        maxConnections: Int = 10_000,
        maxConnectionsPerIP: Int = 1024,
        drainTimeout: Duration = .seconds(30)
    ) {
        self.maxConnectionsPerIP = maxConnectionsPerIP
        self.maxHeaderBytes = maxHeaderBytes
        self.maxURIBytes = maxURIBytes
        self.maxBodyBytes = maxBodyBytes
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
        self.maxConnections = maxConnections
        self.drainTimeout = drainTimeout
    }
}
