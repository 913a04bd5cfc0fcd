import Testing
@testable import Rules

/// Every validation problem, asserted with the line and column it is reported at.
@Suite("rules.yaml validation")
struct ValidationTests {
    /// The problems as `LINE:COL: message`, in file order.
    func report(_ yaml: String) -> [String] { problems(yaml).map(\.description) }

    static let origin = "origin: { url: \"http://127.0.0.1:54321\" }\n"

    @Test func aMinimalFileLoadsWithTheDefaults() throws {
        let config = try loaded(Self.origin)
        #expect(config.origin.url.description == "http://127.0.0.1:54321")
        #expect(config.listen == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(config.rules.isEmpty)
        #expect(config.compression == CompressionConfig())
    }

    @Test func everyProblemInAFileIsReportedWithItsPosition() {
        let yaml = """
        listen: 8080
        origin:
          url: "https://127.0.0.1:54321"
          connect_timeout: 0s
          response_timout: 30s
        cache: { memory: 512mib, max_object: 16MiB }
        compression: { brotli: 12, gzip: 0 }
        rules:
          - name: Feed API
            match: { path: "supabase/*" }
            cache: { edge_tll: 30s }
            limit: { per_ip: 100/minute, burst: 20/min }
          - name: auth
            match: { path: "/auth/*", methods: ["GE T"] }
            cache: bypas
          - name: auth
            match: { path: "/auth/*" }
            cache: {}
        """
        #expect(report(yaml) == [
            "1:9: listen \"8080\": a host is required: write 0.0.0.0:8080 for every interface, or 127.0.0.1:8080 for this machine only",
            "3:8: origin.url \"https://127.0.0.1:54321\": only http:// origins are supported (got https://)",
            "4:20: origin.connect_timeout \"0s\": must be more than 0 (e.g. 30s)",
            "5:3: unknown key `response_timout` in origin: did you mean `response_timeout`?",
            "6:18: cache.memory \"512mib\": units are case-sensitive and written without a space: write 512MiB",
            "7:24: compression.brotli \"12\": out of range: expected a whole number from 0 to 11",
            "7:34: compression.gzip \"0\": out of range: expected a whole number from 1 to 9",
            "9:11: name \"Feed API\": use lower-case letters, digits, - and _ only (e.g. feed-api)",
            "10:20: match.path \"supabase/*\": must start with / (write /supabase/*)",
            "11:14: unknown key `edge_tll` in cache: did you mean `edge_ttl`?",
            "12:22: limit.per_ip \"100/minute\": expected COUNT/UNIT with UNIT one of s, min, h (e.g. 100/min)",
            "12:41: limit.burst \"20/min\": the burst limit counts per second: write COUNT/s (e.g. 20/s)",
            "14:41: match.methods \"GE T\": expected an HTTP method such as GET, HEAD or POST",
            "15:12: cache \"bypas\": expected bypass, origin, or a mapping such as { edge_ttl: 30s, browser_ttl: 30s } (did you mean bypass?)",
            "16:11: name \"auth\": already used by the rule at 13:11; rule names must be unique",
            "18:12: cache: {} sets nothing: write cache: origin (the default), cache: bypass, or give edge_ttl",
        ])
    }

    @Test func problemsRenderAsFileLineColumn() {
        let result = ConfigLoader.load(yaml: Self.origin + "listen: nowhere\n")
        guard case .failure(let problems) = result else {
            Issue.record("loaded")
            return
        }
        #expect(problems.rendered(file: "rules.yaml") == "rules.yaml:2:9: listen \"nowhere\": expected HOST:PORT such as 0.0.0.0:8080, 127.0.0.1:9090 or [::]:8080, with a port from 1 to 65535")
    }

    @Test func unknownKeysAreErrorsWithSuggestions() {
        let yaml = """
        orign: { url: "http://127.0.0.1:54321" }
        colour: blue
        rules:
          - name: a
            match: { path: "/a", method: GET }
            cahce: bypass
            limit: { per_ip: 1/s, Burst: 2/s }
        """
        #expect(report(yaml) == [
            "1:1: unknown key `orign` in the top level: did you mean `origin`?",
            "1:1: `origin` is required: add origin: { url: \"http://127.0.0.1:54321\" }",
            "2:1: unknown key `colour` in the top level; known keys: listen, admin, origin, redis, cache, clients, compression, server, limits, access_log, rules",
            "5:26: unknown key `method` in match: did you mean `methods`?",
            "6:5: unknown key `cahce` in a rule: did you mean `cache`?",
            "7:27: unknown key `Burst` in limit: did you mean `burst`?",
        ])
    }

    @Test func aRuleShadowedByACatchAllIsReported() {
        let yaml = Self.origin + """
        rules:
          - name: everything
            match: { path: "/*" }
          - name: assets
            match: { path: "/assets/*" }
        """
        #expect(report(yaml) == [
            "5:5: rule `assets` can never match: rule `everything` at 3:5 matches everything it does",
        ])
    }

    @Test func shadowingRespectsMethodsAndHosts() {
        let yaml = Self.origin + """
        rules:
          - name: api-host
            match: { path: "/api/*", hosts: "*.example" }
          - name: api-get
            match: { path: "/api/*", methods: [GET] }
          - name: api
            match: { path: "/api/*" }
          - name: api-again
            match: { path: ["/api/v1/*", "/api/*"], methods: [get, head], hosts: "api.example" }
        """
        // A host or method restriction lets the rest through, so `api` is reachable; `api-again` (GET and
        // HEAD on one host) is not: `api-get` takes GET and, with it, HEAD on every host.
        #expect(report(yaml) == [
            "9:5: rule `api-again` can never match: rule `api-get` at 5:5 matches everything it does",
        ])
    }

    @Test func requiredKeys() {
        let yaml = """
        origin: { connect_timeout: 2s }
        rules:
          - match: { path: "/a" }
          - name: b
          - name: c
            match: { methods: [GET] }
          - name: d
            match: { path: "/d" }
            limit: { burst: 5/s }
        """
        #expect(report(yaml) == [
            "1:9: origin.url is required: add url: \"http://HOST:PORT\"",
            "3:5: every rule needs a `name`: add name: my-rule (lower-case letters, digits, - and _)",
            "4:5: `match` is required: add match: { path: \"/assets/*\" } (\"/*\" matches every path)",
            "6:12: match.path is required: add path: \"/assets/*\" (\"/*\" matches every path)",
            "9:12: limit.per_ip is required: add per_ip: 100/min",
        ])
    }

    @Test func typeErrorsSayWhatWasExpected() {
        let yaml = """
        origin: "http://127.0.0.1:54321"
        cache: { memory: [1GiB] }
        server: { max_connections: lots, drain_timeout: }
        rules:
          - name: a
            match: /a/*
            compress: yes
          - name: b
            match: { path: [] }
            cache: { edge_ttl: 30s, immutable: 1 }
            max_body: 10 MiB
        """
        #expect(report(yaml) == [
            "1:9: origin: expected a mapping such as { url: \"http://127.0.0.1:54321\" }, got \"http://127.0.0.1:54321\"",
            "2:18: cache.memory: expected a size such as 16MiB, got a list",
            "3:28: server.max_connections \"lots\": expected a whole number of at least 1",
            "3:49: server.drain_timeout has no value: expected a duration such as 30s",
            "6:12: match: expected a mapping such as { path: \"/assets/*\", methods: [GET, HEAD] }, got \"/a/*\"",
            "7:15: compress \"yes\": expected true or false",
            "9:20: match.path is an empty list: expected a path such as /assets/*, or a list of them",
            "10:40: cache.immutable \"1\": expected true or false",
            "11:15: max_body \"10 MiB\": units are case-sensitive and written without a space: write 10MiB",
        ])
    }

    @Test func rulesMustBeAListOfMappings() {
        #expect(report(Self.origin + "rules: { name: a }\n") == [
            "2:8: rules: expected a list of rules, each starting with `- name:`, got a mapping (write rules: [] for none)",
        ])
        #expect(report(Self.origin + "rules:\n  - just-a-name\n") == [
            "3:5: each rule: expected a mapping such as { name: assets, match: { path: \"/assets/*\" }, cache: bypass }, got \"just-a-name\"",
        ])
        #expect(report("- a\n- b\n") == [
            "1:1: expected a mapping of settings (listen, origin, rules, ...) at the top level, got a list",
        ])
    }

    @Test func oddShapes() {
        let yaml = Self.origin + """
        redis: "redis://127.0.0.1:6379"
        clients:
        compression: { [brotli]: 5 }
        rules:
          - name: a
            match: { path: [["/a"]] }
            cache: [bypass]
        """
        #expect(report(yaml) == [
            "2:8: redis: expected a mapping such as { url: \"redis://127.0.0.1:6379/0\" } (or delete it for memory only), got \"redis://127.0.0.1:6379\"",
            "3:9: clients has no value: expected a mapping such as { trusted_proxies: [\"127.0.0.0/8\"] }",
            "4:16: keys must be plain names; a list cannot be a key in compression",
            "7:21: match.path: expected a path such as /assets/*, got a list",
            "8:12: cache: expected bypass, origin, or a mapping such as { edge_ttl: 30s, browser_ttl: 30s }, got a list",
        ])
    }

    @Test func listenAddresses() throws {
        #expect(try ListenAddress.parse("[::1]:8080").get() == ListenAddress(host: "::1", port: 8080))
        #expect(try ListenAddress.parse("localhost:80").get() == ListenAddress(host: "localhost", port: 80))
        #expect(ListenAddress.parse("::1:8080").failureReason == "IPv6 hosts are written in brackets, e.g. [::]:8080")
        #expect(ListenAddress.parse("[127.0.0.1]:80").failureReason == "only IPv6 hosts are written in brackets: write 127.0.0.1:80")
        #expect(ListenAddress.parse("0.0.0.0:0").failureReason?.hasPrefix("expected HOST:PORT") == true)
        #expect(ListenAddress.parse("0.0.0.0:70000").failureReason?.hasPrefix("expected HOST:PORT") == true)
        #expect(ListenAddress.parse("bad host:80").failureReason?.hasPrefix("bad host is not an IP address or host name") == true)
    }

    @Test func ruleNames() {
        let yaml = Self.origin + """
        rules:
          - name: default
            match: { path: "/a" }
          - name: ok_name-2
            match: { path: "/b" }
          - name: ""
            match: { path: "/c" }
        """
        #expect(report(yaml) == [
            "3:11: name \"default\": reserved for requests that no rule matches; choose another name",
            "7:11: name \"\": use lower-case letters, digits, - and _ only (e.g. feed-api)",
        ])
    }

    @Test func pathPatternsMustBeReachableByNormalisedPaths() {
        let yaml = Self.origin + """
        rules:
          - name: a
            match:
              path:
                - "/a//b"
                - "/%7euser/*"
                - "/x?y=1"
                - "/a/./b"
                - "/has space"
                - "*"
                - "/ok/*"
        """
        #expect(report(yaml) == [
            "6:11: match.path \"/a//b\": requests are matched by their normalised path, which is never spelt like this: write /a/b",
            "7:11: match.path \"/%7euser/*\": requests are matched by their normalised path, which is never spelt like this: write /~user/*",
            "8:11: match.path \"/x?y=1\": rules match the path only, not the query: write /x",
            "9:11: match.path \"/a/./b\": requests are matched by their normalised path, which is never spelt like this: write /a/b",
            "10:11: match.path \"/has space\": not a valid path: no spaces, control characters, #, %00 or % without two hex digits",
            "11:11: match.path \"*\": must start with / (write /*)",
        ])
    }

    @Test func methodsAreUpperCasedAndHostsChecked() throws {
        let config = try loaded(Self.origin + """
        rules:
          - name: a
            match: { path: "/a", methods: [get, Head, PURGE], hosts: ["Example.COM", "*.example.com", "[::1]"] }
        """)
        #expect(config.rules[0].match.methods == ["GET", "HEAD", "PURGE"])
        #expect(config.rules[0].match.hosts?.map(\.pattern) == ["example.com", "*.example.com", "::1"])

        let yaml = Self.origin + """
        rules:
          - name: a
            match: { path: "/a", hosts: ["example.com:8080", "*", "exa mple.com", "a.*.com"] }
        """
        #expect(report(yaml) == [
            "4:34: match.hosts \"example.com:8080\": hosts are matched without the port: write example.com",
            "4:54: match.hosts \"*\": `*` alone is not a host pattern: leave `hosts` out to match every host",
            "4:59: match.hosts \"exa mple.com\": expected a host name such as example.com, *.example.com for its subdomains, or an IP address",
            "4:75: match.hosts \"a.*.com\": `*` may only stand for the subdomains at the start, as in *.example.com; expected a host name such as example.com, *.example.com for its subdomains, or an IP address",
        ])
    }

    @Test func cachePolicies() throws {
        let config = try loaded(Self.origin + """
        rules:
          - name: bypass
            match: { path: "/b/*" }
            cache: bypass
          - name: origin
            match: { path: "/o/*" }
            cache: origin
          - name: respect
            match: { path: "/r/*" }
            cache: { mode: respect_origin, browser_ttl: 0s, stale_if_error: 1h }
          - name: absent
            match: { path: "/n/*" }
        """)
        #expect(config.rules.map(\.cache) == [
            .bypass,
            .origin,
            .ttl(CacheTTL(browserTTL: .zero, staleIfError: .seconds(3600), mode: .respectOrigin)),
            .origin,
        ])

        let yaml = Self.origin + """
        rules:
          - name: a
            match: { path: "/a" }
            cache: { browser_ttl: 1h }
          - name: b
            match: { path: "/b" }
            cache: { edge_ttl: 0s, stale_while_revalidate: 0s, mode: respect }
        """
        #expect(report(yaml) == [
            "5:12: cache.edge_ttl is required with mode: override (the default): add edge_ttl: 30s, or set mode: respect_origin to keep the origin's freshness",
            "8:24: cache.edge_ttl \"0s\": must be more than 0 (e.g. 30s)",
            "8:52: cache.stale_while_revalidate \"0s\": must be more than 0 (e.g. 30s)",
            "8:62: cache.mode \"respect\": expected override (the rule's TTLs win) or respect_origin (the origin's headers win)",
        ])
    }

    @Test func limits() throws {
        let config = try loaded(Self.origin + """
        rules:
          - name: api
            match: { path: "/api/*" }
            limit: { per_ip: 5000/h, burst: 50/s, key: "header:X-Api-Key", block: 10min, ipv6_prefix: 48 }
          - name: search
            match: { path: "/search" }
            limit: { per_ip: 30/min, key: ip_and_path }
        """)
        #expect(config.rules[0].limit == LimitPolicy(
            sustained: Rate(count: 5000, per: .hour), burst: Rate(count: 50, per: .second),
            key: .header("X-Api-Key"), block: .seconds(600), ipv6Prefix: 48
        ))
        #expect(config.rules[1].limit == LimitPolicy(sustained: Rate(count: 30, per: .minute), key: .clientIPAndPath))

        let yaml = Self.origin + """
        rules:
          - name: a
            match: { path: "/a" }
            limit: { per_ip: 0/min, burst: 0/s, key: ipp, block: 0s, ipv6_prefix: 129 }
          - name: b
            match: { path: "/b" }
            limit: { per_ip: 1/s, key: "header:", ipv6_prefix: 0 }
          - name: c
            match: { path: "/c" }
            limit: 100/min
        """
        #expect(report(yaml) == [
            "5:22: limit.per_ip \"0/min\": must allow at least 1 request (e.g. 100/min); leave `limit` out for no limit",
            "5:36: limit.burst \"0/s\": must be at least 1/s; leave burst out for no burst limit",
            "5:46: limit.key \"ipp\": expected ip, ip_and_path, or header:NAME such as header:X-Api-Key (did you mean ip?)",
            "5:58: limit.block \"0s\": must be more than 0 (e.g. 30s)",
            "5:75: limit.ipv6_prefix \"129\": out of range: expected a whole number from 1 to 128",
            "8:32: limit.key \"header:\": expected ip, ip_and_path, or header:NAME such as header:X-Api-Key",
            "8:56: limit.ipv6_prefix \"0\": out of range: expected a whole number from 1 to 128",
            "11:12: limit: expected a mapping such as { per_ip: 100/min, burst: 20/s }, got \"100/min\"",
        ])
    }

    @Test func redis() throws {
        let config = try loaded(Self.origin + "redis: { url: \"redis://app:s%40cret@10.0.0.5:6380/2\" }\n")
        let redis = try #require(config.redis)
        #expect(redis.host == "10.0.0.5")
        #expect(redis.port == 6380)
        #expect(redis.database == 2)
        #expect(redis.username == "app")
        #expect(redis.password == "s@cret")
        #expect(redis.redactedURL == "redis://app:***@10.0.0.5:6380/2")

        let plain = try #require(try loaded(Self.origin + "redis: { url: \"redis://:pw@localhost\" }\n").redis)
        #expect(plain.port == 6379)
        #expect(plain.database == 0)
        #expect(plain.password == "pw")
        #expect(plain.username == nil)

        #expect(report(Self.origin + "redis: { url: \"http://127.0.0.1:6379\" }\n") == [
            "2:15: redis.url \"http://127.0.0.1:6379\": the scheme must be redis:// (got http://); expected redis://[:PASSWORD@]HOST[:PORT][/DB] such as redis://127.0.0.1:6379/0",
        ])
        #expect(report(Self.origin + "redis: { url: \"redis://127.0.0.1:99999/x\" }\n") == [
            "2:15: redis.url \"redis://127.0.0.1:99999/x\": the database must be a number such as /0 (got /x)",
        ])
        #expect(report(Self.origin + "redis: { url: \"redis://127.0.0.1:99999\" }\n") == [
            "2:15: redis.url \"redis://127.0.0.1:99999\": expected a host and a port from 1 to 65535; expected redis://[:PASSWORD@]HOST[:PORT][/DB] such as redis://127.0.0.1:6379/0",
        ])
        #expect(report(Self.origin + "redis: {}\n") == [
            "2:8: redis.url is required: add url: \"redis://127.0.0.1:6379/0\", or delete `redis` for memory only",
        ])
    }

    @Test func sectionsAndCrossChecks() throws {
        let config = try loaded("""
        listen: "[::]:8443"
        admin: 127.0.0.1:9999
        origin: { url: "http://[::1]:3000/", max_connections: 8, idle_timeout: 5s }
        clients: { trusted_proxies: 10.0.0.0/8 }
        compression: { types: [] }
        server: { max_body: 0, drain_timeout: 0s }
        """)
        #expect(config.listen == ListenAddress(host: "::", port: 8443))
        #expect(config.admin.port == 9999)
        #expect(config.origin.url.hostHeader == "[::1]:3000")
        #expect(config.origin.maxConnections == 8)
        #expect(config.origin.idleTimeout == .seconds(5))
        #expect(config.clients.trustedProxies.map(\.description) == ["10.0.0.0/8"])
        #expect(config.compression.types.isEmpty)
        #expect(config.server.maxBodyBytes == ByteCount(bytes: 0))
        #expect(config.server.drainTimeout == .zero)

        let yaml = """
        listen: 127.0.0.1:9090
        origin: { url: "http://127.0.0.1:54321" }
        cache: { memory: 1MiB, max_object: 2MiB }
        clients: { trusted_proxies: ["10.0.0.1/8", "::1/129", "proxy.local"] }
        compression: { types: [text, "*/json"] }
        server: { max_header: 8KiB, max_uri: 16KiB, header_timeout: 0s }
        """
        #expect(report(yaml) == [
            "1:9: admin \"127.0.0.1:9090\": the admin listener cannot share the address of `listen`; pick another port",
            "3:36: cache.max_object \"2MiB\": larger than cache.memory (1MiB); an object must fit in the cache",
            "4:30: clients.trusted_proxies \"10.0.0.1/8\": 10.0.0.1/8 has bits set after the first 8: write 10.0.0.0/8",
            "4:44: clients.trusted_proxies \"::1/129\": the prefix length must be a number from 0 to 128; expected an address block such as 10.0.0.0/8 or fd00::/8, or one address such as 192.0.2.1",
            "4:55: clients.trusted_proxies \"proxy.local\": proxy.local is not an IP address; expected an address block such as 10.0.0.0/8 or fd00::/8, or one address such as 192.0.2.1",
            "5:24: compression.types \"text\": expected TYPE/SUBTYPE such as application/json, or TYPE/* such as text/*",
            "5:30: compression.types \"*/json\": expected TYPE/SUBTYPE such as application/json, or TYPE/* such as text/*",
            "6:38: server.max_uri \"16KiB\": larger than server.max_header (8KiB), which includes the request line",
            "6:61: server.header_timeout \"0s\": must be more than 0 (e.g. 30s)",
        ])
    }

    @Test func yamlSyntaxErrorsCarryTheirPosition() throws {
        let unclosed = report(Self.origin + "rules:\n  - name: a\n    match: { path: \"/a\"\n")
        #expect(unclosed.count == 1)
        #expect(unclosed.first?.hasPrefix("5:1: YAML syntax: did not find expected ',' or '}'") == true, "\(unclosed)")

        let tab = report("origin:\n\turl: \"http://127.0.0.1:1\"\n")
        #expect(tab.count == 1)
        #expect(tab.first?.hasPrefix("2:1: YAML syntax: found character that cannot start any token") == true, "\(tab)")
        #expect(tab.first?.hasSuffix("indent with spaces, not tabs") == true, "\(tab)")

        let colon = report("origin: { url: \"http://127.0.0.1:1\" }\nlisten: a: b\n")
        #expect(colon.first?.hasPrefix("2:10: YAML syntax: mapping values are not allowed") == true, "\(colon)")
    }

    @Test func duplicateKeysAreReported() {
        let problems = report(Self.origin + "listen: 0.0.0.0:1\nlisten: 0.0.0.0:2\n")
        #expect(problems == ["2:1: `listen` appears more than once in the same mapping: keep one"])
    }

    @Test func emptyAndUnreadableFiles() {
        #expect(report("") == ["1:1: the file is empty: it needs at least origin: { url: \"http://127.0.0.1:54321\" }"])
        #expect(report("# only a comment\n") == ["1:1: the file is empty: it needs at least origin: { url: \"http://127.0.0.1:54321\" }"])
        guard case .failure(let problems) = ConfigLoader.load(file: "/nonexistent/rules.yaml") else {
            Issue.record("loaded a missing file")
            return
        }
        #expect(problems.problems.map(\.description) == ["0:0: no such file: /nonexistent/rules.yaml"])
    }

    @Test func originURLHostsAndPortsAreChecked() {
        for bad in ["http://exa mple:80", "http://127.0.0.1:+80", "http://[zz]:80", "http://host:"] {
            let found = problems("origin: { url: \"\(bad)\" }\n")
            #expect(found.contains { $0.location == SourceLocation(line: 1, column: 16) }, "\(bad): \(found)")
        }
        #expect(problems("origin: { url: \"http://origin.internal:8080\" }\n").isEmpty)
        #expect(problems("origin: { url: \"http://[::1]:8080\" }\n").isEmpty)
    }
}
