import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RedisClient
import Rules

/// Carries purges to every instance: a purge is recorded in Redis (a capped list) and published on a
/// channel; each instance applies what it hears at once, and re-reads the list on reconnect and every
/// few seconds, so a missed message costs at most that long. "Everything" moves the shared key
/// namespace (`INCR gw:ns`), which every instance adopts.
final class PurgeBroadcast: Sendable {
    static let channel = "gw:purge"
    static let log = "gw:purges"
    static let namespace = "gw:ns"
    static let kept = 1000

    private let redis: RedisClient
    private let cache: HTTPCache
    private let logger: Logger
    private let keyPolicy: @Sendable (String, RequestTargetValue) -> CacheKeyPolicyValue
    /// Purges already applied here (by id), so a purge heard twice is applied once.
    private let applied = NIOLockedValueBox<(ids: Set<String>, order: [String])>((ids: [], order: []))

    typealias RequestTargetValue = Rules.RequestTarget
    typealias CacheKeyPolicyValue = Rules.CacheKeyPolicy

    init(redis: RedisClient, cache: HTTPCache, logger: Logger, keyPolicy: @escaping @Sendable (String, RequestTargetValue) -> CacheKeyPolicyValue) {
        self.redis = redis
        self.cache = cache
        self.logger = logger
        self.keyPolicy = keyPolicy
    }

    /// Subscribes and catches up; call once after connecting.
    func start(on eventLoop: EventLoop) -> RepeatedTask {
        self.redis.subscribe(
            channel: Self.channel,
            onMessage: { [self] message in self.heard(message) },
            onReconnect: { [self] in self.catchUp() }
        )
        self.catchUp()
        return eventLoop.scheduleRepeatedTask(initialDelay: .seconds(5), delay: .seconds(5)) { [self] _ in self.catchUp() }
    }

    /// Applies `request` here, then records and publishes it for the others.
    func purge(_ request: PurgeRequest, at milliseconds: Int64) {
        let id = UUID().uuidString
        self.remember(id)
        guard self.redis.health.isUp else {
            self.applyLocally(request, at: milliseconds, namespace: nil)
            return
        }
        if request.everything {
            self.redis.send(["INCR", RedisArgument(Self.namespace)], on: nil).whenComplete { result in
                let namespace = (try? result.get())?.int
                if let namespace {
                    self.cache.adoptNamespace(Self.version(namespace))
                } else {
                    self.cache.purgeEverything()
                }
                self.publish(PurgeRecord(id: id, at: milliseconds, namespace: namespace, request: request))
            }
        } else {
            self.applyLocally(request, at: milliseconds, namespace: nil)
            self.publish(PurgeRecord(id: id, at: milliseconds, namespace: nil, request: request))
        }
    }

    private func publish(_ record: PurgeRecord) {
        guard let bytes = try? JSONEncoder().encode(record) else { return }
        let message = [UInt8](bytes)
        _ = self.redis.pipeline(
            [
                ["LPUSH", RedisArgument(Self.log), RedisArgument(message)],
                ["LTRIM", RedisArgument(Self.log), 0, RedisArgument(Self.kept - 1)],
                ["PUBLISH", RedisArgument(Self.channel), RedisArgument(message)],
            ],
            on: nil
        )
    }

    private func heard(_ message: [UInt8]) {
        guard let record = try? JSONDecoder().decode(PurgeRecord.self, from: Data(message)) else { return }
        self.apply(record)
    }

    /// The safety net: the namespace and the recent purges, from Redis.
    private func catchUp() {
        guard self.redis.health.isUp else { return }
        self.redis.pipeline([["GET", RedisArgument(Self.namespace)], ["LRANGE", RedisArgument(Self.log), 0, RedisArgument(Self.kept - 1)]], on: nil)
            .whenSuccess { replies in
                if let namespace = replies.first?.string.flatMap({ Int($0) }) {
                    self.cache.adoptNamespace(Self.version(namespace))
                }
                // Oldest first, so later purges win.
                for item in (replies.last?.array ?? []).reversed() {
                    guard let bytes = item.bytes, let record = try? JSONDecoder().decode(PurgeRecord.self, from: Data(bytes)) else { continue }
                    self.apply(record)
                }
            }
    }

    private func apply(_ record: PurgeRecord) {
        guard self.remember(record.id) else { return }
        guard let request = record.purgeRequest() else { return }
        self.applyLocally(request, at: record.at, namespace: record.namespace)
        self.logger.debug("purge heard", metadata: ["purge": "\(request.summary)"])
    }

    private func applyLocally(_ request: PurgeRequest, at milliseconds: Int64, namespace: Int?) {
        if request.everything, let namespace {
            self.cache.adoptNamespace(Self.version(namespace))
            return
        }
        self.cache.apply(request, at: milliseconds, keyPolicy: self.keyPolicy)
    }

    /// Redis counts purges-of-everything from 0 (no key); local namespaces start at 1.
    static func version(_ namespace: Int) -> UInt64 { UInt64(max(0, namespace)) + 1 }

    /// True the first time an id is seen.
    @discardableResult
    private func remember(_ id: String) -> Bool {
        self.applied.withLockedValue { applied in
            guard applied.ids.insert(id).inserted else { return false }
            applied.order.append(id)
            if applied.order.count > 4 * Self.kept {
                let dropped = applied.order.prefix(Self.kept)
                applied.order.removeFirst(Self.kept)
                for old in dropped { applied.ids.remove(old) }
            }
            return true
        }
    }
}

/// A purge as it travels through Redis: who, when, and the Cloudflare-shaped body.
struct PurgeRecord: Codable {
    let id: String
    let at: Int64
    let namespace: Int?
    let files: [String]
    let prefixes: [String]
    let tags: [String]
    let hosts: [String]
    let everything: Bool

    init(id: String, at: Int64, namespace: Int?, request: PurgeRequest) {
        self.id = id
        self.at = at
        self.namespace = namespace
        self.files = request.files.map { "//\($0.host)\($0.target.normalised)" }
        self.prefixes = request.prefixes.map { ($0.host ?? "") + $0.path }
        self.tags = request.tags
        self.hosts = request.hosts
        self.everything = request.everything
    }

    func purgeRequest() -> PurgeRequest? {
        var request = PurgeRequest()
        request.everything = self.everything
        request.files = self.files.compactMap(PurgeRequest.file)
        request.prefixes = self.prefixes.compactMap(PurgeRequest.prefix)
        request.tags = self.tags
        request.hosts = self.hosts
        return request.isEmpty ? nil : request
    }
}
