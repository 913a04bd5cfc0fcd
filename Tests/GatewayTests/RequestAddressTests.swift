import NIOHTTP1
import Testing

@testable import Gateway

/// The host a request is keyed and routed by: lower case, without its port, an IPv6 literal kept whole.
@Suite("Request address")
struct RequestAddressTests {
    func host(_ value: String?, uri: String = "/a") -> String? {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: uri)
        if let value { head.headers.add(name: "Host", value: value) }
        guard case .success(let address) = RequestAddress.resolve(head) else { return nil }
        return address.host
    }

    @Test("port and case are dropped; an IPv6 literal keeps its brackets and colons")
    func normalisedHost() {
        #expect(host("Example.COM:8080") == "example.com")
        #expect(host("example.com") == "example.com")
        #expect(host("127.0.0.1:18080") == "127.0.0.1")
        #expect(host("[::1]:8080") == "[::1]")
        #expect(host("[2001:DB8::1]") == "[2001:db8::1]")
        #expect(host("[::1") == "[::1")
        #expect(host("bücher.example:443") == "bücher.example")
    }

    @Test("no Host on HTTP/1.1, two Hosts, or a list of hosts is refused")
    func refusedHosts() {
        #expect(host(nil) == nil)
        #expect(host("a.example, b.example") == nil)
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/a")
        head.headers.add(name: "Host", value: "a.example")
        head.headers.add(name: "host", value: "a.example")
        guard case .failure = RequestAddress.resolve(head) else {
            Issue.record("two Host fields were accepted")
            return
        }
    }

    @Test("an absolute-form target gives its authority as the host")
    func absoluteForm() {
        #expect(host("edge.example", uri: "http://Edge.Example/a?b=1") == "edge.example")
        #expect(host("other.example", uri: "http://edge.example/a") == nil)
    }
}
