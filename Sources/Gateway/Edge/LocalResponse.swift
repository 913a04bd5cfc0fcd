import NIOCore
import NIOHTTP1

/// A response the gateway writes itself (refusals, origin failures), with a short body that says why.
struct LocalResponse: Error {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: String
    var contentType = "text/plain; charset=utf-8"
    /// Close the client connection after writing: the request stream is not in a state to continue.
    var closeConnection: Bool

    init(_ status: HTTPResponseStatus, _ reason: String, closeConnection: Bool = false, headers: HTTPHeaders = [:]) {
        self.status = status
        self.body = "\(status.code) \(status.reasonPhrase): \(reason)\n"
        self.headers = headers
        self.closeConnection = closeConnection
    }

    /// A JSON body (an API client's error, such as a 429).
    init(_ status: HTTPResponseStatus, json: String, headers: HTTPHeaders = [:]) {
        self.status = status
        self.body = json + "\n"
        self.headers = headers
        self.closeConnection = false
        self.contentType = "application/json"
    }

    static func badRequest(_ reason: String) -> LocalResponse {
        LocalResponse(.badRequest, reason, closeConnection: true)
    }

    static func forOriginError(_ error: OriginError) -> LocalResponse {
        switch error {
        case .connectFailed:
            return LocalResponse(.badGateway, "the origin refused or dropped the connection")
        case .connectTimedOut:
            return LocalResponse(.gatewayTimeout, "the origin did not accept a connection in time")
        case .responseTimedOut:
            return LocalResponse(.gatewayTimeout, "the origin did not answer in time")
        case .closedEarly:
            return LocalResponse(.badGateway, "the origin closed the connection before answering")
        case .protocolError:
            return LocalResponse(.badGateway, "the origin sent an invalid HTTP response")
        case .poolExhausted:
            return LocalResponse(.serviceUnavailable, "every connection to the origin is busy", headers: ["retry-after": "1"])
        }
    }

    func head(version: HTTPVersion, via: String) -> HTTPResponseHead {
        var headers = self.headers
        headers.replaceOrAdd(name: "content-type", value: self.contentType)
        headers.replaceOrAdd(name: "content-length", value: String(self.body.utf8.count))
        headers.replaceOrAdd(name: "cache-control", value: "no-store")
        headers.add(name: "via", value: via)
        if self.closeConnection { headers.replaceOrAdd(name: "connection", value: "close") }
        return HTTPResponseHead(version: version, status: self.status, headers: headers)
    }
}
