import NIOConcurrencyHelpers

/// Holds the replies that name it until a test opens it: for answering only after something the test
/// waits for has happened (the gateway has begun to stop, say), instead of after a delay that a loaded
/// machine may outrun.
public final class OriginGate: Sendable {
    private struct State {
        var isOpen = false
        var waiting: [@Sendable () -> Void] = []
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Sends every held reply, and lets later ones through at once.
    public func open() {
        let waiting = self.state.withLockedValue { state -> [@Sendable () -> Void] in
            state.isOpen = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for send in waiting { send() }
    }

    /// Runs `send` when the gate opens (now, if it is open).
    func whenOpen(_ send: @escaping @Sendable () -> Void) {
        let now = self.state.withLockedValue { state -> Bool in
            if state.isOpen { return true }
            state.waiting.append(send)
            return false
        }
        if now { send() }
    }
}
