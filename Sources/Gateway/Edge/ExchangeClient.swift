import NIOCore
import NIOHTTP1

/// Where an exchange's answer goes: the client connection (`EdgeHandler`), or nowhere for a
/// background refresh (`DetachedClient`).
protocol ExchangeClient: AnyObject {
    var clientIsWritable: Bool { get }
    func writeResponseHead(_ head: HTTPResponseHead)
    func writeResponseBody(_ body: ByteBuffer)
    func flushClient()
    func endResponse(close: Bool)
    /// The response was cut short after its head went out: close, never look complete.
    func abortResponse()
    func writeLocal(_ response: LocalResponse, version: HTTPVersion, keepAlive: Bool, pipeline: EdgePipeline)
    /// Answer from the cache instead of the origin's response (304 refresh, stale-if-error, conditional);
    /// returns the body bytes sent (0 for a HEAD or a 304).
    @discardableResult
    func serveCached(_ entry: CachedResponse, outcome: CacheOutcome, plan: ForwardPlan, pipeline: EdgePipeline) -> Int
    /// The origin can take more of the request body.
    func releaseHeldRead()
    func exchangeFinished(_ exchange: Exchange, record: AccessRecord)
}

/// The client of a stale-while-revalidate refresh: nobody is waiting, so nothing is written.
final class DetachedClient: ExchangeClient {
    var exchange: Exchange?

    var clientIsWritable: Bool { true }
    func writeResponseHead(_ head: HTTPResponseHead) {}
    func writeResponseBody(_ body: ByteBuffer) {}
    func flushClient() {}
    func endResponse(close: Bool) {}
    func abortResponse() {}
    func writeLocal(_ response: LocalResponse, version: HTTPVersion, keepAlive: Bool, pipeline: EdgePipeline) {}
    func serveCached(_ entry: CachedResponse, outcome: CacheOutcome, plan: ForwardPlan, pipeline: EdgePipeline) -> Int { 0 }
    func releaseHeldRead() {}
    func exchangeFinished(_ exchange: Exchange, record: AccessRecord) {
        // Breaks the cycle that kept this refresh alive.
        self.exchange = nil
    }
}
