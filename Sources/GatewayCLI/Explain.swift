import ArgumentParser
import Rules

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say which rule a request matches and what the gateway will do with it. Contacts nothing.",
        discussion: """
            Examples:
              gateway explain GET /assets/app.3f2a.js
              gateway explain --header 'Accept-Encoding: br, gzip' GET https://example.com/supabase/functions/feed-api
            """
    )

    @Option(name: .long, help: "The rules file.")
    var config: String = "rules.yaml"

    @Option(name: .customLong("header"), help: "A request header, 'Name: value' (repeatable).")
    var headers: [String] = []

    @Argument(help: "The request method, e.g. GET.")
    var method: String

    @Argument(help: "The URL or path, e.g. /assets/app.js or http://example.com/rest/v1/posts?id=1.")
    var url: String

    func run() throws {
        let config: GatewayConfig
        switch ConfigLoader.load(file: self.config) {
        case .success(let loaded): config = loaded
        case .failure(let problems):
            printError(problems.rendered(file: self.config))
            throw ExitCode(1)
        }
        var parsedHeaders: [(String, String)] = []
        for header in self.headers {
            guard let colon = header.firstIndex(of: ":") else {
                throw ValidationError("--header \"\(header)\": expected 'Name: value', e.g. --header 'Accept-Encoding: br'")
            }
            let name = header[..<colon].trimmingCharacters(in: " ")
            let value = header[header.index(after: colon)...].trimmingCharacters(in: " ")
            parsedHeaders.append((name, value))
        }
        var host = parsedHeaders.first { $0.0.lowercased() == "host" }?.1 ?? ""
        var pathAndQuery = self.url
        if let schemeEnd = self.url.range(of: "://") {
            let rest = self.url[schemeEnd.upperBound...]
            let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            host = String(rest[..<slash])
            pathAndQuery = rest[slash...].isEmpty ? "/" : String(rest[slash...])
            if pathAndQuery.hasPrefix("?") { pathAndQuery = "/" + pathAndQuery }
        }
        guard let target = RequestTarget.parse(pathAndQuery) else {
            throw ValidationError("\"\(self.url)\" is not a path or http URL: expected e.g. /assets/app.js or http://example.com/path")
        }
        // Host patterns ignore the port and IPv6 brackets themselves.
        let facts = RequestFacts(method: self.method.uppercased(), host: host.lowercased(), path: target.path, query: target.query)
        print(Explanation.render(config: config, request: facts, headers: parsedHeaders))
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
