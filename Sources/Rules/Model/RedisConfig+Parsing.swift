extension RedisConfig {
    /// Reads `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`: port 6379 and database 0 when left out.
    /// The user name and password may be percent-encoded.
    public static func parse(_ url: String) -> Result<RedisConfig, ValueSyntaxError> {
        let usage = "expected redis://[:PASSWORD@]HOST[:PORT][/DB] such as redis://127.0.0.1:6379/0"
        guard let schemeEnd = url.firstRange(of: "://") else { return .failure(ValueSyntaxError(usage)) }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "redis" else {
            if scheme == "rediss" {
                return .failure(ValueSyntaxError("TLS to Redis (rediss://) is not supported yet: use redis:// on a private network or a local TLS tunnel"))
            }
            return .failure(ValueSyntaxError("the scheme must be redis:// (got \(scheme)://); \(usage)"))
        }
        var rest = url[schemeEnd.upperBound...]
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let decodedUser = percentDecoded(parts[0])
            let decodedPassword = parts.count == 2 ? percentDecoded(parts[1]) : nil
            guard let user = decodedUser, parts.count == 1 || decodedPassword != nil else {
                return .failure(ValueSyntaxError("the user name or password has an invalid % escape; write %XX with two hex digits"))
            }
            if parts.count == 2 {
                username = user.isEmpty ? nil : user
                password = decodedPassword
            } else {
                password = user  // `redis://secret@host`: a lone user-info part is the password, as redis-cli reads it
            }
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let dbText = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !dbText.isEmpty {
                guard dbText.utf8.allSatisfy(isDigit), let number = Int(dbText) else {
                    return .failure(ValueSyntaxError("the database must be a number such as /0 (got /\(dbText))"))
                }
                database = number
            }
        }
        guard !rest.contains("?") else {
            return .failure(ValueSyntaxError("query options are not supported; \(usage)"))
        }
        guard let hostPort = HostPort.parse(String(rest), defaultPort: 6379) else {
            return .failure(ValueSyntaxError("expected a host and a port from 1 to 65535; \(usage)"))
        }
        guard IPAddress(hostPort.host) != nil || HostPattern.isHostName(hostPort.host) else {
            return .failure(ValueSyntaxError("\(hostPort.host) is not an IP address or host name; \(usage)"))
        }
        return .success(RedisConfig(
            url: url, host: hostPort.host, port: hostPort.port, password: password, database: database, username: username
        ))
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The URL with the password replaced by `***`, for logs and summaries.
    public var redactedURL: String {
        let auth = password == nil ? "" : "\(username ?? ""):***@"
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "redis://\(auth)\(host):\(port)/\(database)"
    }
}
