import NIOHTTP1
import Rules
import Testing

@testable import Gateway

/// Step 1 of the walk: the client is the socket peer, unless the peer is a trusted proxy.
@Suite("Client identity")
struct ClientIdentityTests {
    static let proxies = [try! CIDR.parse("10.0.0.0/8").get(), try! CIDR.parse("127.0.0.0/8").get()]

    func client(peer: String, _ headers: HTTPHeaders = [:]) -> String {
        ClientIdentity.resolve(peerIP: peer, peerAddress: IPAddress(peer), headers: headers, trustedProxies: Self.proxies).clientIP
    }

    @Test("an untrusted peer's X-Forwarded-For is ignored")
    func untrustedPeer() {
        #expect(self.client(peer: "203.0.113.9", ["x-forwarded-for": "198.51.100.1"]) == "203.0.113.9")
    }

    @Test("behind trusted proxies, the rightmost untrusted address is the client")
    func trustedChain() {
        #expect(self.client(peer: "10.1.2.3", ["x-forwarded-for": "1.1.1.1, 198.51.100.1, 10.9.9.9"]) == "198.51.100.1")
        #expect(self.client(peer: "127.0.0.1", ["forwarded": #"for="[2001:db8::1]:4711";proto=https"#]) == "2001:db8::1")
        #expect(self.client(peer: "127.0.0.1") == "127.0.0.1", "no header: the peer")
        #expect(self.client(peer: "10.1.2.3", ["x-forwarded-for": "not-an-ip, 198.51.100.1"]) == "198.51.100.1")
    }

    @Test("a peer that is not an address, or no trusted proxies, means the peer as it is")
    func noTrust() {
        let headers: HTTPHeaders = ["x-forwarded-for": "198.51.100.1"]
        #expect(ClientIdentity.resolve(peerIP: "unix", peerAddress: nil, headers: headers, trustedProxies: Self.proxies).clientIP == "unix")
        #expect(
            ClientIdentity.resolve(peerIP: "10.1.2.3", peerAddress: IPAddress("10.1.2.3"), headers: headers, trustedProxies: []).clientIP
                == "10.1.2.3"
        )
    }
}
