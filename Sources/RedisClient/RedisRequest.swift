import NIOCore

/// Encoded command(s) on their way to a connection, and who waits for the replies.
struct RedisRequest: Sendable {
    var bytes: ByteBuffer
    var replies: ReplySink
}

/// Where replies go. `.one` turns an error reply into `RedisError.server`; `.many` (a pipeline) keeps error
/// replies as `.error` values in their places, so one failed command does not hide the others' results.
enum ReplySink: Sendable {
    case one(EventLoopPromise<RESPValue>)
    case many(count: Int, EventLoopPromise<[RESPValue]>)

    func fail(_ error: RedisError) {
        switch self {
        case .one(let promise): promise.fail(error)
        case .many(_, let promise): promise.fail(error)
        }
    }
}
