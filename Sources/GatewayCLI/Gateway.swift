import ArgumentParser

@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "A caching reverse proxy for the edge tier, configured by rules.yaml.",
        discussion: """
            serve     run the gateway in front of the origin
            check     validate a rules file and summarise it
            explain   say what the gateway would do with one request
            test      run cache-behaviour cases against a scripted origin
            purge     drop cached responses on a running gateway (its admin API)
            """,
        version: GatewayVersion.current,
        subcommands: [Serve.self, Check.self, Explain.self, Test.self, Purge.self]
    )
}

enum GatewayVersion {
    static let current = "0.3.0"
}
