import Foundation
import Testing
@testable import Rules

/// Operators copy examples/: each one must load.
@Suite("examples/")
struct ExamplesTests {
    static var examplesDirectory: String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/examples"
    }

    @Test func everyExampleLoads() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examplesDirectory).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            if case .failure(let problems) = ConfigLoader.load(file: Self.examplesDirectory + "/" + file) {
                Issue.record("examples/\(file):\n\(problems.rendered(file: file))")
            }
        }
    }

    @Test func theMultiInstanceExampleRoutesAsItsCommentsSay() throws {
        let config = try ConfigLoader.load(file: Self.examplesDirectory + "/multi-instance.yaml").get()
        #expect(config.redis?.host == "10.0.1.30")
        func rule(_ method: String, _ host: String, _ path: String) -> String {
            config.decide(RequestFacts(method: method, host: host, path: path, query: nil)).ruleName
        }
        #expect(rule("GET", "api.example.com", "/v1/items") == "public-api-reads")
        #expect(rule("HEAD", "api.example.com", "/v1/items") == "public-api-reads")
        #expect(rule("POST", "api.example.com", "/v1/items") == "public-api-writes")
        #expect(rule("GET", "www.example.com", "/v1/items") == "default")
        #expect(rule("PUT", "media.example.com", "/upload/a.jpg") == "uploads")
        #expect(rule("PUT", "example.com", "/upload/a.jpg") == "default")
        #expect(config.decide(RequestFacts(method: "PUT", host: "media.example.com", path: "/upload/a", query: nil)).maxBody == .gibibytes(2))
    }
}
