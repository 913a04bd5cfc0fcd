import Testing
@testable import Rules

@Suite("IP addresses and CIDR blocks")
struct NetworkTests {
    @Test func parsesIPv4() throws {
        let address = try #require(IPAddress("192.0.2.1"))
        #expect(address.isIPv4)
        #expect(address.ipv4 == 0xC000_0201)
        #expect(address.description == "192.0.2.1")
    }

    @Test(arguments: [
        ("::1", "::1"),
        ("::", "::"),
        ("2001:DB8::1", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("fe80::1:2", "fe80::1:2"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("1::", "1::"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("::ffff:1.2.3.4", "1.2.3.4"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
    ])
    func parsesAndPrintsIPv6(text: String, printed: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.description == printed)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1::",
        "1:::2", "12345::", "g::1", "::1%eth0", "[::1]", "1:2:3:4:5:6:7:", "::ffff:1.2.3",
    ])
    func refusesMalformedAddresses(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func mappedIPv4IsTheSameClientAsIPv4() throws {
        #expect(IPAddress("::ffff:10.1.2.3") == IPAddress("10.1.2.3"))
        #expect(IPAddress(bytes: [10, 1, 2, 3]) == IPAddress("10.1.2.3"))
        let v6Bytes: [UInt8] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        #expect(IPAddress(bytes: v6Bytes) == IPAddress("2001:db8::1"))
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }

    @Test func addressesOrder() throws {
        #expect(try #require(IPAddress("10.0.0.1")) < #require(IPAddress("10.0.0.2")))
        #expect(try #require(IPAddress("::1")) < #require(IPAddress("1.0.0.0")))  // ::ffff:… sorts after ::1
        #expect(try #require(IPAddress("1.0.0.0")) < #require(IPAddress("2001:db8::")))
    }

    @Test func maskingGroupsIPv6ByItsPrefix() throws {
        let a = try #require(IPAddress("2001:db8:1:2:aaaa::1"))
        let b = try #require(IPAddress("2001:db8:1:2:bbbb::2"))
        let c = try #require(IPAddress("2001:db8:1:3::1"))
        #expect(a.masked(prefix: 64) == b.masked(prefix: 64))
        #expect(a.masked(prefix: 64) != c.masked(prefix: 64))
        #expect(a.masked(prefix: 64).description == "2001:db8:1:2::")
        #expect(a.masked(prefix: 128) == a)
        #expect(a.masked(prefix: 0) == IPAddress(high: 0, low: 0))
        let v4 = try #require(IPAddress("203.0.113.77"))
        #expect(v4.masked(prefix: 24).description == "203.0.113.0")
        #expect(v4.masked(prefix: 24).isIPv4)
        #expect(try #require(IPAddress("2001:db8::1")).masked(prefix: 3).description == "2000::")
    }

    @Test func cidrContainsItsAddresses() throws {
        let loopback = try CIDR.parse("127.0.0.0/8").get()
        #expect(loopback.contains(try #require(IPAddress("127.0.0.1"))))
        #expect(loopback.contains(try #require(IPAddress("127.255.255.255"))))
        #expect(!loopback.contains(try #require(IPAddress("128.0.0.1"))))
        #expect(loopback.contains(try #require(IPAddress("::ffff:127.0.0.1"))), "a v4-mapped address matches a v4 block")
        #expect(!loopback.contains(try #require(IPAddress("::1"))))

        let ula = try CIDR.parse("fd00::/8").get()
        #expect(ula.contains(try #require(IPAddress("fd12:3456::1"))))
        #expect(!ula.contains(try #require(IPAddress("fe80::1"))))
        #expect(!ula.contains(try #require(IPAddress("10.0.0.1"))))

        let v6Loopback = try CIDR.parse("::1/128").get()
        #expect(v6Loopback.contains(try #require(IPAddress("::1"))))
        #expect(!v6Loopback.contains(try #require(IPAddress("::2"))))

        let all = try CIDR.parse("0.0.0.0/0").get()
        #expect(all.contains(try #require(IPAddress("8.8.8.8"))))
        #expect(!all.contains(try #require(IPAddress("2001:db8::1"))))
    }

    @Test func aSingleAddressIsAFullLengthBlock() throws {
        let one = try CIDR.parse("10.0.0.1").get()
        #expect(one.prefixLength == 32)
        #expect(one.description == "10.0.0.1/32")
        #expect(one.contains(try #require(IPAddress("10.0.0.1"))))
        #expect(!one.contains(try #require(IPAddress("10.0.0.2"))))
        #expect(try CIDR.parse("2001:db8::5").get().prefixLength == 128)
    }

    @Test func mappedBlocksAreCountedInIPv4Bits() throws {
        let block = try CIDR.parse("::ffff:10.0.0.0/104").get()
        #expect(block.description == "10.0.0.0/8")
        #expect(block.contains(try #require(IPAddress("10.9.8.7"))))
    }

    @Test func cidrErrorsSayWhatToWrite() {
        #expect(CIDR.parse("10.0.0.1/8").failureReason == "10.0.0.1/8 has bits set after the first 8: write 10.0.0.0/8")
        #expect(CIDR.parse("fd00::1/8").failureReason == "fd00::1/8 has bits set after the first 8: write fd00::/8")
        #expect(CIDR.parse("10.0.0.0/33").failureReason?.hasPrefix("the prefix length must be a number from 0 to 32") == true)
        #expect(CIDR.parse("10.0.0.0/").failureReason != nil)
        #expect(CIDR.parse("localhost").failureReason?.hasPrefix("localhost is not an IP address") == true)
    }
}
