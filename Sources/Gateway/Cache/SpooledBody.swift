import CSpool
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A large stored body kept in an anonymous memory file (memfd) instead of a buffer, so that a hit
/// goes out with sendfile(2): the kernel sends the file's pages without the copy from user memory that
/// writing a buffer costs (about a third of a 100 KiB hit's CPU). nginx serves its cache from files the
/// same way. The pages are memory like any other, charged to the cache budget as before; they are not
/// mapped, so they show in the cgroup's memory (shmem) rather than in the process's RSS.
///
/// The file lives as long as the entry and the writes in flight that hold it; the last release closes it.
final class SpooledBody: Sendable {
    /// Bodies from this size up are spooled; smaller ones cost less as one buffer with their head.
    static let threshold = 64 * 1024

    /// Files open now, against `maxOpen`: a cache of large objects must not starve the listener of
    /// descriptors. Past it, bodies stay in buffers.
    private static let open = Atomic<Int>(0)
    private static let limit = SpooledBody.defaultLimit()

    let descriptor: CInt
    let length: Int

    private init(descriptor: CInt, length: Int) {
        self.descriptor = descriptor
        self.length = length
    }

    deinit {
        _ = Glibc.close(self.descriptor)
        Self.open.subtract(1, ordering: .relaxed)
    }

    /// The body in a memory file, or nil when it stays a buffer: under the threshold, `limit` files open
    /// already (the process's budget unless a test says otherwise), or no memfd (an old kernel, a full
    /// memory cgroup).
    static func spool(_ body: ByteBuffer, limit: Int = SpooledBody.limit) -> SpooledBody? {
        let length = body.readableBytes
        guard length >= Self.threshold else { return nil }
        guard Self.open.add(1, ordering: .relaxed).newValue <= limit else {
            Self.open.subtract(1, ordering: .relaxed)
            return nil
        }
        let descriptor = cspool_memfd("gateway-body")
        guard descriptor >= 0 else {
            Self.open.subtract(1, ordering: .relaxed)
            return nil
        }
        let written = body.withUnsafeReadableBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let result = Glibc.pwrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset, off_t(offset))
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { return false }
                offset += result
            }
            return true
        }
        guard written else {
            _ = Glibc.close(descriptor)
            Self.open.subtract(1, ordering: .relaxed)
            return nil
        }
        return SpooledBody(descriptor: descriptor, length: length)
    }

    /// The bytes, read back: for the uncommon answers that need them in memory (a range, a new coding,
    /// the shared tier). Nil if the read fails.
    func read() -> ByteBuffer? { self.read(at: 0, count: self.length) }

    /// `count` bytes from `start` (a range), read back alone.
    func read(at start: Int, count: Int) -> ByteBuffer? {
        guard start >= 0, count >= 0, start + count <= self.length else { return nil }
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        let complete = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: max(count, 1)) { out -> Int in
            var done = 0
            while done < count {
                let result = Glibc.pread(self.descriptor, out.baseAddress! + done, count - done, off_t(start + done))
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { return done }
                done += result
            }
            return done
        }
        return complete == count ? buffer : nil
    }

    /// The file as a write for the client connection. Each write gets a handle of its own over the same
    /// descriptor (NIO refuses to use one handle from two threads at once); `release` gives the
    /// descriptor back without closing it once the write is done, and keeps this body alive until then.
    func region() -> (FileRegion, release: @Sendable () -> Void) {
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: self.descriptor)
        let region = FileRegion(fileHandle: handle, readerIndex: 0, endIndex: self.length)
        return (region, { withExtendedLifetime(self) { _ = try? handle.takeDescriptorOwnership() } })
    }

    /// How many files may be open: a quarter of the descriptor limit, at most 16384.
    private static func defaultLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 256 }
        let soft = Int(clamping: min(limit.rlim_cur, 1 << 20))
        return max(0, min(16_384, soft / 4))
    }

    /// Files open now.
    static var openCount: Int { Self.open.load(ordering: .relaxed) }
}
