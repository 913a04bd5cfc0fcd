import NIOHTTP1
import Rules

/// Step 5, forward: the request as the origin sees it.
enum ForwardedRequest {
    static func head(
        for client: HTTPRequestHead, target: RequestTarget, identity: ClientIdentity, framing: RequestFraming, via: String
    ) -> HTTPRequestHead {
        var headers = client.headers
        let originalHost = headers.first(name: "host")
        HopByHop.strip(&headers)
        UnkeyedRequestHeaders.strip(&headers)
        // The gateway answers `Expect: 100-continue` itself.
        headers.remove(name: "expect")
        if framing.isChunked {
            headers.remove(name: "content-length")
            headers.add(name: "transfer-encoding", value: "chunked")
        }
        // The chain as the client's hop saw it, plus the peer we saw (nginx's $proxy_add_x_forwarded_for).
        let previous = headers[canonicalForm: "x-forwarded-for"].joined(separator: ", ")
        headers.remove(name: "x-forwarded-for")
        headers.add(name: "x-forwarded-for", value: previous.isEmpty ? identity.peerIP : "\(previous), \(identity.peerIP)")
        headers.replaceOrAdd(name: "x-forwarded-proto", value: "http")
        if let originalHost {
            headers.replaceOrAdd(name: "x-forwarded-host", value: originalHost)
        }
        let priorVia = headers[canonicalForm: "via"].joined(separator: ", ")
        headers.remove(name: "via")
        headers.add(name: "via", value: priorVia.isEmpty ? via : "\(priorVia), \(via)")
        return HTTPRequestHead(version: .http1_1, method: client.method, uri: target.normalised, headers: headers)
    }
}

/// Step 6, shape: the origin's response head as the client sees it.
enum ResponseShaper {
    static func head(from origin: HTTPResponseHead, clientVersion: HTTPVersion, via: String, close: Bool) -> HTTPResponseHead {
        var headers = origin.headers
        HopByHop.strip(&headers)
        // Purge tags are for the edge, not for browsers.
        headers.remove(name: "cache-tag")
        headers.remove(name: "surrogate-key")
        let priorVia = headers[canonicalForm: "via"].joined(separator: ", ")
        headers.remove(name: "via")
        headers.add(name: "via", value: priorVia.isEmpty ? via : "\(priorVia), \(via)")
        if close {
            headers.add(name: "connection", value: "close")
        } else if clientVersion == .http1_0 {
            headers.add(name: "connection", value: "keep-alive")
        }
        return HTTPResponseHead(version: clientVersion, status: origin.status, headers: headers)
    }
}
