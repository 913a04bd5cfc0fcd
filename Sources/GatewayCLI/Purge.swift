import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct Purge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drop cached responses on a running gateway, through its admin API (POST /purge).",
        discussion: """
            Examples:
              gateway purge --everything
              gateway purge --file https://example.com/supabase/functions/feed-api
              gateway purge --prefix example.com/assets/ --tag feed --host cdn.example.com
            The token comes from --token or GATEWAY_ADMIN_TOKEN. Exit status: 0 when purged, 1 when refused.
            """
    )

    @Option(name: .long, help: "The gateway's admin listener, HOST:PORT.")
    var admin: String = "127.0.0.1:9090"

    @Option(name: .long, help: "The admin bearer token (default: GATEWAY_ADMIN_TOKEN).")
    var token: String?

    @Flag(name: .long, help: "Purge everything.")
    var everything = false

    @Option(name: .customLong("file"), help: "A URL to purge exactly (repeatable).")
    var files: [String] = []

    @Option(name: .customLong("prefix"), help: "A path prefix, /path or host/path (repeatable).")
    var prefixes: [String] = []

    @Option(name: .customLong("tag"), help: "A Cache-Tag / Surrogate-Key tag (repeatable).")
    var tags: [String] = []

    @Option(name: .customLong("host"), help: "A host whose responses to purge (repeatable).")
    var hosts: [String] = []

    func validate() throws {
        if !self.everything && self.files.isEmpty && self.prefixes.isEmpty && self.tags.isEmpty && self.hosts.isEmpty {
            throw ValidationError("nothing to purge: give --everything, --file, --prefix, --tag or --host")
        }
    }

    func run() async throws {
        guard let token = self.token ?? ProcessInfo.processInfo.environment["GATEWAY_ADMIN_TOKEN"], !token.isEmpty else {
            throw ValidationError("no token: pass --token or set GATEWAY_ADMIN_TOKEN (the one the gateway was started with)")
        }
        var body: [String: Any] = [:]
        if self.everything { body["purge_everything"] = true }
        if !self.files.isEmpty { body["files"] = self.files }
        if !self.prefixes.isEmpty { body["prefixes"] = self.prefixes }
        if !self.tags.isEmpty { body["tags"] = self.tags }
        if !self.hosts.isEmpty { body["hosts"] = self.hosts }
        guard let url = URL(string: "http://\(self.admin)/purge") else {
            throw ValidationError("--admin \(self.admin): expected HOST:PORT such as 127.0.0.1:9090")
        }
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            printError("gateway purge: cannot reach the admin API at \(self.admin): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let text = String(decoding: data, as: UTF8.self)
        if status == 200 {
            print(text, terminator: "")
        } else {
            printError("gateway purge: \(status): \(text)")
            throw ExitCode(1)
        }
    }
}
