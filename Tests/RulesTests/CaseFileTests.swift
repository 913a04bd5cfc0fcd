import Testing
@testable import Rules

/// `gateway test` case files: what they may say, and that mistakes are reported with line:column.
@Suite("Case files")
struct CaseFileTests {
    func problems(_ yaml: String) -> [String] {
        switch CaseFileLoader.load(yaml: yaml) {
        case .success: return []
        case .failure(let problems): return problems.problems.map(\.description)
        }
    }

    @Test func aFullCaseReadsIntoSteps() throws {
        let file = try CaseFileLoader.load(yaml: """
            rules: ../rules.yaml
            origin:
              - path: /feed*
                request_headers: { if-none-match: '"v1"' }
                reply: { status: 304 }
              - path: /feed*
                replies:
                  - { headers: { etag: '"v1"', vary: [accept, accept-encoding] }, body: one, delay: 20ms }
                  - { body_size: 1KiB }
            cases:
              - name: feed
                steps:
                  - request: /feed
                    expect: { status: 200, cache: miss, origin_requests: 1 }
                  - advance: 31s
                  - request: { method: post, path: /feed, headers: { x-forwarded-for: 203.0.113.7 }, body: "{}" }
                    repeat: 3
                    expect:
                      headers: { etag: '"v1"' }
                      present: [age]
                      absent: [set-cookie]
                      matches: { cache-status: "fwd=miss" }
                      origin_saw: { path: /feed, absent: [x-forwarded-host] }
                  - purge: { tags: [feed], prefixes: [/a/] }
            """).get()
        let only = try #require(file.cases.first)
        #expect(only.name == "feed")
        #expect(only.rulesPath == "../rules.yaml")
        #expect(only.origin.count == 2)
        #expect(only.origin[0].requestHeaders == [HeaderField("if-none-match", "\"v1\"")])
        #expect(only.origin[1].replies.count == 2)
        #expect(only.origin[1].replies[0].headers.filter { $0.name == "vary" }.map(\.value) == ["accept", "accept-encoding"])
        #expect(only.origin[1].replies[0].delay == .milliseconds(20))
        #expect(only.origin[1].replies[1].bodySize == .kibibytes(1))
        #expect(only.steps.count == 4)
        guard case .request(let first) = only.steps[0], case .advance(let amount, _) = only.steps[1],
              case .request(let third) = only.steps[2], case .purge(let purge) = only.steps[3] else {
            Issue.record("steps read as \(only.steps)")
            return
        }
        #expect(first.target == "/feed" && first.method == "GET" && first.expect.cache == "MISS" && first.expect.originRequests == 1)
        #expect(amount == .seconds(31))
        #expect(third.method == "POST" && third.repeatCount == 3 && third.body == "{}")
        #expect(third.expect.present == ["age"] && third.expect.absent == ["set-cookie"])
        #expect(third.expect.originSaw?.absent == ["x-forwarded-host"])
        #expect(purge.tags == ["feed"] && purge.prefixes == ["/a/"])
    }

    @Test func mistakesAreReportedWithLineAndColumn() {
        let found = problems("""
            rules: rules.yaml
            cases:
              - name: one
                steps:
                  - request: /a
                    expect: { cache: HITT, stauts: 200 }
                  - advance: 5m
                  - request: { path: /b, metod: GET }
                  - request: /c
                    advance: 1s
                  - request: no-slash
                  - request: /d
                    expect: { matches: { etag: "([" } }
              - name: one
                steps: [{ request: / }]
              - name: two
                steps: []
            """)
        #expect(found.contains { $0.hasPrefix("6:26: ") && $0.contains("HIT, MISS") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("6:32: ") && $0.contains("did you mean `status`") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("7:18: ") && $0.contains("5m") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("8:30: ") && $0.contains("did you mean `method`") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("9:9: ") && $0.contains("one of request, advance or purge") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("11:18: ") && $0.contains("must start with /") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("13:28: ") && $0.contains("not a valid regular expression") }, "\(found)")
        #expect(found.contains { $0.contains("already used at line 3") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("17:12: ") && $0.contains("got an empty list") }, "\(found)")
    }

    @Test func aCaseNeedsARulesFileAndCases() {
        #expect(problems("cases:\n  - name: x\n    steps: [{ request: / }]\n").contains { $0.contains("names no rules file") })
        #expect(problems("rules: r.yaml\n").contains { $0.contains("`cases` is required") })
        #expect(problems("").contains { $0.contains("empty") })
        #expect(problems("rules: r.yaml\ncases: [\n").contains { $0.contains("YAML syntax") })
    }

    // MARK: Checking a response

    let response = ObservedResponse(
        status: 200,
        headers: [
            HeaderField("X-Cache", "HIT"), HeaderField("Cache-Status", "edge-gateway; hit; ttl=29"),
            HeaderField("ETag", "\"v1\""), HeaderField("Age", "1"),
        ],
        body: "hello"
    )

    @Test func aMatchingExpectationHasNoMismatches() {
        var expect = Expectation()
        expect.status = 200
        expect.cache = "HIT"
        expect.headers = [HeaderField("etag", "\"v1\"")]
        expect.present = ["age"]
        expect.absent = ["set-cookie"]
        expect.patterns = [HeaderField("cache-status", "ttl=\\d+")]
        expect.body = "hello"
        expect.bodyContains = "ell"
        expect.originRequests = 1
        #expect(expect.mismatches(response, originRequests: 1, lastOriginRequest: nil).isEmpty)
    }

    @Test func everyUnmetPartIsNamedWithWhatWasThere() {
        var expect = Expectation()
        expect.status = 304
        expect.cache = "MISS"
        expect.headers = [HeaderField("etag", "\"v2\"")]
        expect.present = ["vary"]
        expect.absent = ["age"]
        expect.patterns = [HeaderField("cache-status", "fwd=miss")]
        expect.body = "bye"
        expect.originRequests = 2
        var saw = OriginRequestExpectation()
        saw.absent = ["x-forwarded-host"]
        expect.originSaw = saw
        let origin = ObservedOriginRequest(method: "GET", target: "/", headers: [HeaderField("X-Forwarded-Host", "evil.example")])
        let found = expect.mismatches(response, originRequests: 1, lastOriginRequest: origin)
        #expect(found == [
            Mismatch("status", expected: "304", actual: "200"),
            Mismatch("x-cache", expected: "\"MISS\"", actual: "\"HIT\""),
            Mismatch("etag", expected: "\"\"v2\"\"", actual: "\"\"v1\"\""),
            Mismatch("vary", expected: "present", actual: "no such header"),
            Mismatch("age", expected: "absent", actual: "\"1\""),
            Mismatch("cache-status", expected: "a value matching /fwd=miss/", actual: "\"edge-gateway; hit; ttl=29\""),
            Mismatch("body", expected: "\"bye\"", actual: "\"hello\""),
            Mismatch("origin requests", expected: "2", actual: "1"),
            Mismatch("origin request x-forwarded-host", expected: "absent", actual: "\"evil.example\""),
        ])
    }

    @Test func anOriginExpectationWithNoOriginRequestSaysSo() {
        var expect = Expectation()
        expect.originSaw = OriginRequestExpectation()
        #expect(expect.mismatches(response, originRequests: 0, lastOriginRequest: nil) == [
            Mismatch("origin request", expected: "one", actual: "none reached the origin"),
        ])
    }
}
