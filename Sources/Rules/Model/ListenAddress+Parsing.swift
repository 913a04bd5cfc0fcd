extension ListenAddress {
    /// Reads `HOST:PORT` or `[V6]:PORT` (`0.0.0.0:8080`, `[::]:8080`, `localhost:8080`). The port is required.
    public static func parse(_ text: String) -> Result<ListenAddress, ValueSyntaxError> {
        let usage = "expected HOST:PORT such as 0.0.0.0:8080, 127.0.0.1:9090 or [::]:8080, with a port from 1 to 65535"
        guard let hostPort = HostPort.parse(text, defaultPort: nil) else {
            if !text.contains(":"), let port = Int(text), (1...65535).contains(port) {
                return .failure(ValueSyntaxError("a host is required: write 0.0.0.0:\(port) for every interface, or 127.0.0.1:\(port) for this machine only"))
            }
            if text.filter({ $0 == ":" }).count > 1, !text.hasPrefix("[") {
                return .failure(ValueSyntaxError("IPv6 hosts are written in brackets, e.g. [::]:8080"))
            }
            return .failure(ValueSyntaxError(usage))
        }
        guard IPAddress(hostPort.host) != nil || HostPattern.isHostName(hostPort.host) else {
            return .failure(ValueSyntaxError("\(hostPort.host) is not an IP address or host name; \(usage)"))
        }
        if text.hasPrefix("["), let address = IPAddress(hostPort.host), address.isIPv4, !hostPort.host.contains(":") {
            return .failure(ValueSyntaxError("only IPv6 hosts are written in brackets: write \(hostPort.host):\(hostPort.port)"))
        }
        return .success(ListenAddress(host: hostPort.host, port: hostPort.port))
    }
}
