import Rules

/// `serve --listen --origin --redis --admin`: command-line values that replace the file's, so the
/// shipped rules.yaml runs unchanged in front of any origin.
struct ServeOverrides: Sendable {
    var listen: String?
    var origin: String?
    var redis: String?
    var admin: String?

    struct Invalid: Error {
        let message: String
    }

    func applied(to config: GatewayConfig) throws -> GatewayConfig {
        var config = config
        if let listen {
            switch ListenAddress.parse(listen) {
            case .success(let address): config.listen = address
            case .failure(let error): throw Invalid(message: "--listen \(listen): \(error)")
            }
        }
        if let admin {
            switch ListenAddress.parse(admin) {
            case .success(let address): config.admin = address
            case .failure(let error): throw Invalid(message: "--admin \(admin): \(error)")
            }
        }
        if let origin {
            switch OriginURL.parse(origin) {
            case .success(let url): config.origin.url = url
            case .failure(let error): throw Invalid(message: "--origin \(origin): \(error.reason)")
            }
        }
        if let redis {
            switch RedisConfig.parse(redis) {
            case .success(let parsed): config.redis = parsed
            case .failure(let error): throw Invalid(message: "--redis \(redis): \(error)")
            }
        }
        return config
    }
}
