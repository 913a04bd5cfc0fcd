import Testing
@testable import Rules

@Suite("Request target normalisation")
struct RequestTargetTests {
    @Test(arguments: [
        ("/", "/"),
        ("/a/b", "/a/b"),
        ("/a/b/", "/a/b/"),
        ("/a/./b", "/a/b"),
        ("/a/../b", "/b"),
        ("/a/b/..", "/a/"),
        ("/a/b/.", "/a/b/"),
        ("/../../etc/passwd", "/etc/passwd"),
        ("/a/%2e%2E/b", "/b"),
        ("/.well-known/x", "/.well-known/x"),
        ("/a/..b/c", "/a/..b/c"),
        ("//a///b", "/a/b"),
        ("//", "/"),
        ("/a//../b", "/b"),
        ("/%7Euser", "/~user"),
        ("/%7euser", "/~user"),
        ("/%41%62%63-%5F%2D", "/Abc-_-"),
        ("/a%2Fb", "/a%2Fb"),
        ("/a%2fb", "/a%2Fb"),
        ("/a%3a%20b", "/a%3A%20b"),
        ("/caf\u{E9}", "/caf%C3%A9"),
        ("/assets/app.3f9a.js", "/assets/app.3f9a.js"),
    ])
    func normalisesPaths(raw: String, path: String) throws {
        let target = try #require(RequestTarget.parse(raw))
        #expect(target.path == path)
        #expect(target.query == nil)
        #expect(target.normalised == path)
    }

    @Test func keepsTheQueryRaw() throws {
        let target = try #require(RequestTarget.parse("/a/./b?x=1&y=%2f&z=/../"))
        #expect(target.path == "/a/b")
        #expect(target.query == "x=1&y=%2f&z=/../")
        #expect(target.normalised == "/a/b?x=1&y=%2f&z=/../")
        let empty = try #require(RequestTarget.parse("/a?"))
        #expect(empty.query == "")
        #expect(empty.normalised == "/a?")
        let second = try #require(RequestTarget.parse("/a?b?c"))
        #expect(second.query == "b?c")
    }

    @Test func differentSpellingsOfOnePathAreOneTarget() {
        let spellings = ["/assets/%7Ejs/app.js", "/assets//~js/./app.js", "/x/../assets/~js/app.js", "/assets/%7ejs/app.js"]
        let paths = Set(spellings.compactMap { RequestTarget.parse($0)?.path })
        #expect(paths == ["/assets/~js/app.js"])
    }

    @Test(arguments: [
        "", "a/b", "*", "http://example.com/a", "/a#frag", "/a b", "/a\tb", "/a\u{7F}", "/a\nb", "/a%00b", "/a?x=%00",
        "/a%", "/a%4", "/a%zz", "/a?x=%g1", "/a?x=1#f",
    ])
    func refusesWhatIsNotAnOriginFormTarget(raw: String) {
        #expect(RequestTarget.parse(raw) == nil)
    }
}
