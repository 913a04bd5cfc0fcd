import CacheSemantics
import NIOCore
import NIOHTTP1

/// The L2 (Redis) form of a stored response: a compact binary record, not JSON or base64.
///
///     "GWC1" · status u16 · headers (u16 count; u16 name length, name, u32 value length, value) ·
///     freshness (i64 lifetime, swr, sie; u8 source; u8 flags) · basis (f64 request, response, date
///     or NaN, age) · i64 stored-at ms · u8 compressible · vary (u16 count; names, values) ·
///     tags (u16 count) · host · path (u16 length-prefixed) · body (u32 length, bytes)
extension CachedResponse {
    static let magic: [UInt8] = Array("GWC1".utf8)

    /// Nil when a spooled body cannot be read back: nothing is written to the shared tier then.
    func encoded() -> ByteBuffer? {
        guard var body = self.bodyInMemory else { return nil }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(body.readableBytes + 512)
        buffer.writeBytes(Self.magic)
        buffer.writeInteger(UInt16(self.status.code))
        buffer.writeInteger(UInt16(self.headers.count))
        for (name, value) in self.headers {
            buffer.writeShortString(name)
            buffer.writeInteger(UInt32(value.utf8.count))
            buffer.writeString(value)
        }
        buffer.writeInteger(self.freshness.lifetime)
        buffer.writeInteger(self.freshness.staleWhileRevalidate)
        buffer.writeInteger(self.freshness.staleIfError)
        buffer.writeShortString(self.freshness.source.rawValue)
        buffer.writeInteger(UInt8((self.freshness.mustRevalidate ? 1 : 0) | (self.freshness.noCache ? 2 : 0)))
        buffer.writeInteger(self.basis.requestTime.bitPattern)
        buffer.writeInteger(self.basis.responseTime.bitPattern)
        buffer.writeInteger((self.basis.dateValue ?? .nan).bitPattern)
        buffer.writeInteger(self.basis.ageValue.bitPattern)
        buffer.writeInteger(self.storedAt)
        buffer.writeInteger(UInt8(self.compressible ? 1 : 0))
        buffer.writeInteger(UInt16(self.variant.names.count))
        for (name, value) in zip(self.variant.names, self.variant.values) {
            buffer.writeShortString(name)
            buffer.writeShortString(value)
        }
        buffer.writeInteger(UInt16(self.tags.count))
        for tag in self.tags { buffer.writeShortString(tag) }
        buffer.writeShortString(self.host)
        buffer.writeShortString(self.path)
        buffer.writeInteger(UInt32(body.readableBytes))
        buffer.writeBuffer(&body)
        return buffer
    }

    /// nil when the bytes are not a record of this format (another version, truncated, corrupt).
    static func decode(_ bytes: [UInt8], key: CacheKey) -> CachedResponse? {
        var buffer = ByteBuffer(bytes: bytes)
        guard buffer.readBytes(length: 4) == Self.magic,
            let status = buffer.readInteger(as: UInt16.self),
            let headerCount = buffer.readInteger(as: UInt16.self)
        else { return nil }
        var headers = HTTPHeaders()
        for _ in 0..<headerCount {
            guard let name = buffer.readShortString(), let length = buffer.readInteger(as: UInt32.self),
                let value = buffer.readString(length: Int(length))
            else { return nil }
            headers.add(name: name, value: value)
        }
        guard let lifetime = buffer.readInteger(as: Int64.self), let swr = buffer.readInteger(as: Int64.self),
            let sie = buffer.readInteger(as: Int64.self), let sourceName = buffer.readShortString(),
            let source = Freshness.Source(rawValue: sourceName), let flags = buffer.readInteger(as: UInt8.self),
            let requestTime = buffer.readInteger(as: UInt64.self), let responseTime = buffer.readInteger(as: UInt64.self),
            let dateValue = buffer.readInteger(as: UInt64.self), let ageValue = buffer.readInteger(as: UInt64.self),
            let storedAt = buffer.readInteger(as: Int64.self), let compressible = buffer.readInteger(as: UInt8.self),
            let varyCount = buffer.readInteger(as: UInt16.self)
        else { return nil }
        var freshness = Freshness(lifetime: lifetime, source: source)
        freshness.staleWhileRevalidate = swr
        freshness.staleIfError = sie
        freshness.mustRevalidate = flags & 1 != 0
        freshness.noCache = flags & 2 != 0
        let date = Double(bitPattern: dateValue)
        var basis = AgeBasis(requestTime: Double(bitPattern: requestTime), responseTime: Double(bitPattern: responseTime), dateValue: nil, ageValue: nil)
        basis.dateValue = date.isNaN ? nil : date
        basis.ageValue = Double(bitPattern: ageValue)
        var names: [String] = []
        var values: [String] = []
        for _ in 0..<varyCount {
            guard let name = buffer.readShortString(), let value = buffer.readShortString() else { return nil }
            names.append(name)
            values.append(value)
        }
        guard let tagCount = buffer.readInteger(as: UInt16.self) else { return nil }
        var tags: [String] = []
        for _ in 0..<tagCount {
            guard let tag = buffer.readShortString() else { return nil }
            tags.append(tag)
        }
        guard let host = buffer.readShortString(), let path = buffer.readShortString(),
            let bodyLength = buffer.readInteger(as: UInt32.self), let body = buffer.readSlice(length: Int(bodyLength)),
            buffer.readableBytes == 0
        else { return nil }
        return CachedResponse(
            key: key, status: HTTPResponseStatus(statusCode: Int(status)), headers: headers, body: body, freshness: freshness, basis: basis,
            variant: VariantKey(names: names, values: values), tags: tags, storedAt: storedAt, host: host, path: path,
            compressible: compressible != 0
        )
    }
}

extension ByteBuffer {
    mutating func writeShortString(_ string: String) {
        let bytes = string.utf8.prefix(Int(UInt16.max))
        self.writeInteger(UInt16(bytes.count))
        self.writeBytes(bytes)
    }

    mutating func readShortString() -> String? {
        guard let length = self.readInteger(as: UInt16.self) else { return nil }
        return self.readString(length: Int(length))
    }
}
