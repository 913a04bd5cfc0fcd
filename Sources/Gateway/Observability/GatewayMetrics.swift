import NIOConcurrencyHelpers
@preconcurrency import Prometheus

/// What `/metrics` on the admin listener shows, in Prometheus text format (swift-prometheus):
/// requests by rule, status class and cache outcome; origin latency; bytes out; limiter decisions;
/// the memory tier; Redis health; open connections.
public final class GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let originLatency: DurationHistogram
    private let bytesOut: Counter
    private let cacheObjects: Gauge
    private let cacheBytes: Gauge
    private let cacheEvictions: Gauge
    private let redisUp: Gauge
    private let connections: Gauge
    /// Labelled counters already made, by their label values: one lock and one lookup per request
    /// instead of the registry's.
    private let counters = NIOLockedValueBox<[String: Counter]>([:])
    /// The requests counters, keyed by their labels as they are (no key string built per request).
    private struct RequestLabels: Hashable {
        let rule: String
        let statusClass: UInt
        let cache: String
    }
    private let requestCounters = NIOLockedValueBox<[RequestLabels: Counter]>([:])

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "gateway", metricName: metric, unitName: unit, helpText: help)
    }

    static var requests: MetricNameDescriptor { name("requests", "total", "Requests answered, by rule, status class and cache outcome.") }
    static var decisions: MetricNameDescriptor { name("ratelimit_decisions", "total", "Rate-limit decisions, by rule.") }
    static var refusals: MetricNameDescriptor {
        name("connections_refused", "total", "Client connections closed at once, by the cap they were over (total or per_ip).")
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.originLatency = registry.makeDurationHistogram(
            descriptor: Self.name("origin_duration", "seconds", "Time from sending a request to the origin to its response head."),
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30)]
        )
        self.bytesOut = registry.makeCounter(descriptor: Self.name("response_body", "bytes_total", "Response body bytes sent to clients."))
        self.cacheObjects = registry.makeGauge(descriptor: Self.name("cache", "objects", "Responses held in the memory tier."))
        self.cacheBytes = registry.makeGauge(descriptor: Self.name("cache", "bytes", "Bytes charged to the memory tier's budget."))
        self.cacheEvictions = registry.makeGauge(descriptor: Self.name("cache_evictions", "count", "Entries evicted from the memory tier since start."))
        self.redisUp = registry.makeGauge(descriptor: Self.name("redis", "up", "1 while Redis is reachable, 0 while it is down, -1 when not configured."))
        self.connections = registry.makeGauge(descriptor: Self.name("client_connections", "count", "Open client connections."))
    }

    /// One finished request.
    func record(_ record: AccessRecord) {
        let labels = RequestLabels(rule: record.rule, statusClass: record.status / 100, cache: record.cache)
        let counter = self.requestCounters.withLockedValue { $0[labels] } ?? {
            let made = self.registry.makeCounter(
                descriptor: Self.requests, labels: [("rule", record.rule), ("status", "\(labels.statusClass)xx"), ("cache", record.cache)]
            )
            self.requestCounters.withLockedValue { $0[labels] = made }
            return made
        }()
        counter.increment()
        self.bytesOut.increment(by: Int64(record.bytesOut))
        if let origin = record.originDuration {
            self.originLatency.recordNanoseconds(origin.nanoseconds)
        }
    }

    func limitDecision(rule: String, allowed: Bool) {
        self.counter(allowed ? "l|\(rule)|a" : "l|\(rule)|r") {
            self.registry.makeCounter(descriptor: Self.decisions, labels: [("rule", rule), ("decision", allowed ? "allowed" : "refused")])
        }.increment()
    }

    /// A connection closed at once: over `server.max_connections` (`total`) or `max_connections_per_ip` (`per_ip`).
    func connectionRefused(cap: String) {
        self.counter("c|\(cap)") {
            self.registry.makeCounter(descriptor: Self.refusals, labels: [("cap", cap)])
        }.increment()
    }

    private func counter(_ key: String, make: () -> Counter) -> Counter {
        if let counter = self.counters.withLockedValue({ $0[key] }) { return counter }
        let counter = make()
        self.counters.withLockedValue { $0[key] = counter }
        return counter
    }

    /// The Prometheus text, with the gauges read now.
    func scrape(cache: MemoryTier.Stats, redisUp: Bool?, connections: Int) -> [UInt8] {
        self.cacheObjects.set(Double(cache.objects))
        self.cacheBytes.set(Double(cache.bytes))
        self.cacheEvictions.set(Double(cache.evictions))
        self.redisUp.set(redisUp.map { $0 ? 1.0 : 0.0 } ?? -1)
        self.connections.set(Double(connections))
        return self.registry.emitToBuffer()
    }
}
