import Logging
import NIOConcurrencyHelpers
import NIOCore
import Rules

/// What every connection shares: the current rules (swapped whole on reload), the access log and the
/// logger.
public final class GatewayRuntime: Sendable {
    private let current: NIOLockedValueBox<EdgePipeline>
    let accessLog: AccessLog
    let logger: Logger

    public init(config: GatewayConfig, accessLog: AccessLog, logger: Logger) {
        self.current = NIOLockedValueBox(EdgePipeline(config: config, via: Self.via))
        self.accessLog = accessLog
        self.logger = logger
    }

    static let via = "1.1 edge-gateway"

    var pipeline: EdgePipeline { self.current.withLockedValue { $0 } }

    public var config: GatewayConfig { self.pipeline.config }

    /// New requests see the new rules; requests in flight keep the pipeline they started with.
    public func replace(config: GatewayConfig) {
        self.current.withLockedValue { $0 = EdgePipeline(config: config, via: Self.via) }
    }
}
