import Foundation
import NIOConcurrencyHelpers

/// Every process the test support starts (gateway serve, redis-server), killed when the test process exits
/// however it exits — a test that timed out or threw still holds its objects then, and their `deinit`s never
/// run. Tests stop what they start; this is the net under that. (A test process killed by a signal runs no
/// `atexit`: its children are left.)
enum ChildProcesses {
    private static let running = NIOLockedValueBox<Set<pid_t>>([])
    private static let hooked = NIOLockedValueBox(false)

    static func started(_ pid: pid_t) {
        Self.running.withLockedValue { _ = $0.insert(pid) }
        let first = Self.hooked.withLockedValue { hooked -> Bool in
            defer { hooked = true }
            return !hooked
        }
        if first { atexit { ChildProcesses.killAll() } }
    }

    static func ended(_ pid: pid_t) {
        Self.running.withLockedValue { _ = $0.remove(pid) }
    }

    private static func killAll() {
        for pid in Self.running.withLockedValue({ $0 }) { kill(pid, SIGKILL) }
    }
}
