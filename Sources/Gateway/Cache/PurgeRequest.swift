import Foundation
import Rules

/// A purge, in the shape of Cloudflare's purge API so existing scripts carry over:
/// `{"files": [...], "prefixes": [...], "tags": [...], "hosts": [...], "purge_everything": true}`.
public struct PurgeRequest: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public let host: String
        public let target: RequestTarget
    }

    public struct Prefix: Sendable, Equatable {
        /// nil: on every host.
        public let host: String?
        public let path: String
    }

    public var everything = false
    public var files: [File] = []
    public var prefixes: [Prefix] = []
    public var tags: [String] = []
    public var hosts: [String] = []

    /// For logs: `everything`, or counts per kind.
    public var summary: String {
        if self.everything { return "everything" }
        return "files=\(self.files.count) prefixes=\(self.prefixes.count) tags=\(self.tags.count) hosts=\(self.hosts.count)"
    }

    public var isEmpty: Bool { !self.everything && self.files.isEmpty && self.prefixes.isEmpty && self.tags.isEmpty && self.hosts.isEmpty }

    public init() {}

    private struct Body: Decodable {
        var files: [String]?
        var prefixes: [String]?
        var tags: [String]?
        var hosts: [String]?
        var purge_everything: Bool?
    }

    /// Parses the JSON body; the error says what is wrong in words an operator can act on.
    public static func parse(json: [UInt8]) -> Result<PurgeRequest, PurgeRequestError> {
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(json))
        } catch {
            return .failure(PurgeRequestError(
                #"expected a JSON object such as {"files": ["https://example.com/a.js"]}, {"prefixes": ["example.com/assets/"]}, {"tags": ["feed"]}, {"hosts": ["example.com"]} or {"purge_everything": true}"#
            ))
        }
        var request = PurgeRequest()
        request.everything = body.purge_everything ?? false
        for file in body.files ?? [] {
            guard let parsed = Self.file(file) else {
                return .failure(PurgeRequestError("files: \"\(file)\" is not a URL such as https://example.com/path or //example.com/path"))
            }
            request.files.append(parsed)
        }
        for prefix in body.prefixes ?? [] {
            guard let parsed = Self.prefix(prefix) else {
                return .failure(PurgeRequestError("prefixes: \"\(prefix)\" is not a path prefix such as /assets/ or example.com/assets/"))
            }
            request.prefixes.append(parsed)
        }
        request.tags = body.tags ?? []
        request.hosts = (body.hosts ?? []).map { $0.lowercased() }
        if request.isEmpty {
            return .failure(PurgeRequestError("nothing to purge: give files, prefixes, tags, hosts or purge_everything"))
        }
        return .success(request)
    }

    static func file(_ text: String) -> File? {
        var rest = Substring(text)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] } else if rest.hasPrefix("//") { rest = rest.dropFirst(2) } else { return nil }
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let host = rest[..<slash].split(separator: ":").first.map { String($0).lowercased() } ?? ""
        var path = String(rest[slash...])
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        guard !host.isEmpty, let target = RequestTarget.parse(path) else { return nil }
        return File(host: host, target: target)
    }

    static func prefix(_ text: String) -> Prefix? {
        var rest = Substring(text)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if rest.hasPrefix("/") {
            guard let target = RequestTarget.parse(String(rest)) else { return nil }
            return Prefix(host: nil, path: target.path)
        }
        guard let slash = rest.firstIndex(of: "/") else {
            return rest.isEmpty ? nil : Prefix(host: String(rest).lowercased(), path: "/")
        }
        guard let target = RequestTarget.parse(String(rest[slash...])) else { return nil }
        let path = rest.hasSuffix("/") && !target.path.hasSuffix("/") ? target.path + "/" : target.path
        return Prefix(host: String(rest[..<slash]).lowercased(), path: path)
    }
}

public struct PurgeRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { self.message }
}
