import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1
import OriginKit

/// The application's shapes, for trying the gateway with curl: hashed immutable assets, a feed JSON with
/// ETag and 304s, /rest and /rpc data endpoints, /auth. Prints one line per request it receives, so you
/// can see which requests the gateway answered without it.
@main
struct DemoOriginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-origin",
        abstract: "A small origin that serves the feed application's shapes, for trying the gateway."
    )

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port: Int = 54321

    @Flag(help: "Do not print a line per request.")
    var quiet = false

    func run() async throws {
        let site = DemoSite()
        let quiet = self.quiet
        let origin = ScriptedOrigin { request in
            let reply = site.reply(to: request)
            if !quiet {
                say("origin: \(request.method.rawValue) \(request.uri) -> \(reply.status.code)")
            }
            return reply
        }
        try await origin.start(host: self.host, port: self.port)
        say("demo origin listening on http://\(self.host):\(origin.port)")
        // Runs until the process is stopped.
        while true {
            try await Task.sleep(for: .seconds(3600))
        }
    }
}

/// One line to standard output, unbuffered, so it interleaves with the gateway's log in a terminal.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

struct DemoSite: Sendable {
    static let appScriptPath = "/_app/immutable/app.3f2a9c.js"
    static let logoPath = "/assets/logo.5d1e07.svg"

    let appScript: String = {
        var script = "// demo application bundle\n"
        var index = 0
        while script.utf8.count < 100 * 1024 {
            script += "export function component\(index)(props) { return render('feed-item', props, \(index)); }\n"
            index += 1
        }
        return script
    }()

    let logo = """
        <svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">\
        <circle cx="32" cy="32" r="30" fill="#2b6cb0"/><text x="32" y="40" font-size="22" text-anchor="middle" fill="#fff">edge</text></svg>
        """

    func reply(to request: RecordedRequest) -> OriginReply {
        switch (request.method, request.path) {
        case (.GET, "/"), (.HEAD, "/"):
            return .text(Self.index, headers: ["content-type": "text/html; charset=utf-8", "cache-control": "no-cache"])
        case (.GET, Self.appScriptPath), (.HEAD, Self.appScriptPath):
            return .text(
                self.appScript,
                headers: ["content-type": "application/javascript", "cache-control": "public, max-age=31536000, immutable", "etag": "\"app-3f2a9c\""]
            )
        case (.GET, Self.logoPath), (.HEAD, Self.logoPath):
            return .text(self.logo, headers: ["content-type": "image/svg+xml", "cache-control": "public, max-age=31536000, immutable"])
        case (.GET, "/supabase/functions/feed-api"), (.HEAD, "/supabase/functions/feed-api"):
            return self.feed(request)
        case (.OPTIONS, _):
            return OriginReply(
                status: .noContent,
                headers: ["access-control-allow-origin": "*", "access-control-allow-methods": "GET, POST, OPTIONS", "access-control-allow-headers": "authorization, content-type"]
            )
        case (.GET, "/rest/v1/posts"):
            return .json(#"[{"id":1,"title":"First post"},{"id":2,"title":"Second post"}]"#, headers: ["cache-control": "no-store"])
        case (.POST, "/rest/v1/posts"):
            return .json(#"{"id":3,"created":true,"bytes":\#(request.bodyLength)}"#, status: .created, headers: ["cache-control": "no-store"])
        case (_, "/rpc/get_feed"), (_, "/rpc/like_post"):
            return .json(#"{"ok":true,"rpc":"\#(request.path.dropFirst(5))"}"#, headers: ["cache-control": "no-store"])
        case (.POST, "/auth/v1/token"):
            return .json(#"{"access_token":"demo-token","token_type":"bearer","expires_in":3600}"#, headers: ["cache-control": "no-store"])
        case (.GET, "/auth/v1/user"):
            let authorised = request.headers.first(name: "authorization") != nil
            return .json(
                authorised ? #"{"id":"demo-user"}"# : #"{"error":"missing bearer token"}"#,
                status: authorised ? .ok : .unauthorized,
                headers: ["cache-control": "no-store"]
            )
        default:
            return .json(#"{"error":"not found","path":"\#(request.path)"}"#, status: .notFound, headers: ["cache-control": "no-store"])
        }
    }

    /// The feed changes every 30 seconds; its ETag names the window, so If-None-Match gets 304 within it.
    private func feed(_ request: RecordedRequest) -> OriginReply {
        let window = Int(Date().timeIntervalSince1970) / 30
        let etag = "\"feed-\(window)\""
        let headers: HTTPHeaders = [
            "cache-control": "public, max-age=30, stale-while-revalidate=60",
            "etag": etag,
            "vary": "Accept-Encoding",
        ]
        if let inm = request.headers.first(name: "if-none-match"), inm.contains(etag) {
            return OriginReply(status: .notModified, headers: headers)
        }
        var items: [String] = []
        for index in 0..<24 {
            let id = window * 100 + index
            items.append(#"{"id":\#(id),"author":"user\#(index % 7)","text":"Post \#(id) in the demo feed, padded to look like a real item with some text.","likes":\#((id * 37) % 500)}"#)
        }
        let body = #"{"window":\#(window),"generated_at":"\#(Date().formatted(.iso8601))","items":[\#(items.joined(separator: ","))]}"#
        return .json(body, headers: headers)
    }

    static let index = """
        <!doctype html>
        <html><head><title>demo origin</title><script src="\(appScriptPath)"></script></head>
        <body>
        <h1>Demo origin behind the edge gateway</h1>
        <ul>
        <li><a href="\(appScriptPath)">an immutable app bundle</a> (rule immutable-assets)</li>
        <li><a href="\(logoPath)">an immutable logo</a> (rule immutable-assets)</li>
        <li><a href="/supabase/functions/feed-api">the feed API</a> (rule feed-api: 30 s, ETag)</li>
        <li><a href="/rest/v1/posts">/rest/v1/posts</a> (rule data-api: not cached, 100/min per IP)</li>
        <li>POST /auth/v1/token (rule auth: not cached, 20/min per IP)</li>
        </ul>
        </body></html>

        """
}
