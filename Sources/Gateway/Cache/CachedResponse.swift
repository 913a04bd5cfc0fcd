import CacheSemantics
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Rules

/// A stored response: immutable once made, shared by every hit that reads it. A 304 from the origin
/// makes a new one (`refreshed`) rather than changing this one under a reader.
final class CachedResponse: Sendable {
    let key: CacheKey
    let status: HTTPResponseStatus
    /// What may be stored: hop-by-hop fields and `Age` removed.
    let headers: HTTPHeaders
    /// The whole body as stored: one contiguous buffer, or a memory file for large ones (`SpooledBody`).
    let stored: StoredBody
    let freshness: Freshness
    let basis: AgeBasis
    let etag: String?
    let lastModified: Int64?
    let date: Int64?
    /// The request header values (normalised) that `Vary` selected when it was stored.
    let variant: VariantKey
    /// Bytes this entry is charged against the memory budget.
    let cost: Int
    /// Purge tags from the origin's `Cache-Tag` / `Surrogate-Key` (comma or space separated).
    let tags: [String]
    /// When it was stored (wall-clock ms), for purges by host, prefix and tag.
    let storedAt: Int64
    let host: String
    let path: String
    /// The coding of `body` as the origin sent it; nil for codings the gateway does not speak.
    let contentCoding: ContentCoding?
    /// Whether the gateway may make br / gzip variants of it (type, size, no-transform).
    let compressible: Bool
    /// Encodings made from `body`, each made once and kept: a hit in any coding costs no compression.
    private let variants = NIOLockedValueBox<[ContentCoding: ByteBuffer]>([:])
    /// Hit heads encoded once per coding (and browser policy, and Via: a reload may change them).
    private let preparedHeads = NIOLockedValueBox<[PreparedHead]>([])
    /// Past this many, heads are made per hit rather than kept (reloads that change Via or the browser TTL).
    private static let maxPreparedHeads = 8

    init(
        key: CacheKey, status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, freshness: Freshness, basis: AgeBasis,
        variant: VariantKey, tags: [String] = [], storedAt: Int64 = 0, host: String = "", path: String = "", compressible: Bool = false,
        spooled: SpooledBody? = nil
    ) {
        self.tags = tags
        self.compressible = compressible
        let encoding = headers.first(name: "content-encoding")?.lowercased() ?? "identity"
        self.contentCoding = ContentCoding(rawValue: encoding)
        self.storedAt = storedAt
        self.host = host
        self.path = path
        self.key = key
        self.status = status
        self.headers = headers
        self.stored = spooled.map { .spooled($0) } ?? SpooledBody.spool(body).map { .spooled($0) } ?? .buffer(body)
        self.freshness = freshness
        self.basis = basis
        self.etag = headers.first(name: "etag")
        self.lastModified = headers.first(name: "last-modified").flatMap { HTTPDate.parse($0) }
        self.date = headers.first(name: "date").flatMap { HTTPDate.parse($0) }
        self.variant = variant
        var cost = (spooled?.length ?? body.readableBytes) + key.primary.utf8.count + 256
        for header in headers { cost += header.name.utf8.count + header.value.utf8.count + 32 }
        self.cost = cost
    }

    /// After a 304: the stored headers updated with the new ones (RFC 9111 4.3.4), new times and freshness.
    func refreshed(with notModified: HTTPHeaders, freshness: Freshness, basis: AgeBasis) -> CachedResponse {
        let headers = Self.merge(self.headers, updatedBy: notModified)
        let (body, spooled): (ByteBuffer, SpooledBody?) = switch self.stored {
        case .buffer(let buffer): (buffer, nil)
        case .spooled(let file): (ByteBuffer(), file)
        }
        return CachedResponse(
            key: self.key, status: self.status, headers: headers, body: body, freshness: freshness, basis: basis, variant: self.variant,
            tags: self.tags, storedAt: Int64(basis.responseTime * 1000), host: self.host, path: self.path, compressible: self.compressible,
            spooled: spooled
        )
    }

    /// Fields a 304 must not overwrite: they describe the stored body, which the 304 did not carry.
    static let notUpdatedOn304: Set<String> = [
        "content-length", "content-encoding", "content-range", "transfer-encoding", "age", "cache-tag", "surrogate-key",
    ]

    /// The stored header fields updated by a 304's (RFC 9111 4.3.4), except those describing the body.
    static func merge(_ stored: HTTPHeaders, updatedBy notModified: HTTPHeaders) -> HTTPHeaders {
        var headers = stored
        for (name, value) in notModified where !Self.notUpdatedOn304.contains(name.lowercased()) {
            headers.replaceOrAdd(name: name, value: value)
        }
        return headers
    }

    /// Tags named by `Cache-Tag` (Cloudflare, commas) and `Surrogate-Key` (Fastly, spaces).
    static func tags(in headers: HTTPHeaders) -> [String] {
        var tags: [String] = []
        for value in headers[canonicalForm: "cache-tag"] {
            tags += value.split(separator: ",").map { String($0).trimmingCharacters(in: " \t") }.filter { !$0.isEmpty }
        }
        for value in headers[canonicalForm: "surrogate-key"] {
            tags += value.split(separator: " ").map(String.init).filter { !$0.isEmpty }
        }
        return tags
    }

    /// The stored body's length, without reading a spooled one.
    var bodyLength: Int { self.stored.length }

    /// The stored body in memory: the buffer, or a spooled body read back; nil only if that read fails (a
    /// broken memory file), and then nothing is made from it. For the uncommon uses (a new coding, the
    /// shared tier); answers send `stored` as it is.
    var bodyInMemory: ByteBuffer? {
        switch self.stored {
        case .buffer(let buffer): return buffer
        case .spooled(let file): return file.read()
        }
    }

    /// The body in `coding`, made from the stored one on first use. The second value is the bytes
    /// newly made (to charge against the memory budget), 0 when it existed.
    func body(in coding: ContentCoding, config: CompressionConfig) throws -> (ByteBuffer, Int) {
        if let made = self.variants.withLockedValue({ $0[coding] }) { return (made, 0) }
        guard let stored = self.contentCoding else { throw ContentCodecError(description: "the stored coding is not one the gateway speaks") }
        guard let body = self.bodyInMemory else { throw ContentCodecError(description: "the stored body could not be read back") }
        if coding == stored { return (body, 0) }
        var identity = body
        if stored != .identity {
            if let made = self.variants.withLockedValue({ $0[.identity] }) {
                identity = made
            } else if let decoder = try ContentCodecs.decoder(stored) {
                identity = try ContentCodecs.apply(decoder, to: body)
            }
        }
        var made = identity
        if let encoder = try ContentCodecs.encoder(coding, config: config) {
            made = try ContentCodecs.apply(encoder, to: identity)
        }
        // Kept in a buffer of exactly its size: the codec's output grew by doubling.
        var result = ByteBufferAllocator().buffer(capacity: made.readableBytes)
        result.writeBuffer(&made)
        let added = self.variants.withLockedValue { variants -> Int in
            if variants[coding] != nil { return 0 }
            variants[coding] = result
            return result.readableBytes
        }
        return (result, added)
    }

    /// The head kept for these parameters, or one made by `make` (and kept, while there is room). The second
    /// value is the bytes newly kept, to charge against the memory budget.
    func preparedHead(
        coding: ContentCoding?, browser: BrowserPolicy, via: String, make: () -> PreparedHead
    ) -> (PreparedHead, Int) {
        if let kept = self.preparedHeads.withLockedValue({ $0.first { $0.matches(coding: coding, browser: browser, via: via) } }) {
            return (kept, 0)
        }
        let made = make()
        return self.preparedHeads.withLockedValue { heads in
            if let kept = heads.first(where: { $0.matches(coding: coding, browser: browser, via: via) }) { return (kept, 0) }
            guard heads.count < Self.maxPreparedHeads else { return (made, 0) }
            heads.append(made)
            return (made, made.cost)
        }
    }

    func reuse(at now: Double) -> Reuse { Reuse.decide(self.freshness, basis: self.basis, now: now) }

    func age(at now: Double) -> Int64 { DeltaSeconds.whole(self.basis.currentAge(at: now)) }
}

/// A stored body: a buffer, or a memory file sent with sendfile (`SpooledBody`).
enum StoredBody: Sendable {
    case buffer(ByteBuffer)
    case spooled(SpooledBody)

    var length: Int {
        switch self {
        case .buffer(let buffer): return buffer.readableBytes
        case .spooled(let file): return file.length
        }
    }

    /// `count` bytes from `start`: a slice of the buffer, or just those bytes read from the file.
    func slice(at start: Int, count: Int) -> ByteBuffer? {
        switch self {
        case .buffer(let buffer): return buffer.getSlice(at: buffer.readerIndex + start, length: count)
        case .spooled(let file): return file.read(at: start, count: count)
        }
    }
}
