import Foundation

/// The one source of time for the CRM: epoch seconds. Injected everywhere so tests and the
/// plugin harness can move time and production cannot tell the difference.
public protocol Clock: Sendable {
    /// The current time as integer epoch seconds.
    func now() -> Int64
}

/// The real clock of the machine.
public struct SystemClock: Clock {
    public init() {}
    public func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}

/// A clock that moves only when told to: used by the plugin harness (`t.clock:advance`) and tests.
public final class ManualClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Int64

    /// Starts at `start` (epoch seconds).
    public init(start: Int64) { current = start }

    public func now() -> Int64 { lock.withLock { current } }

    /// Sets the time to `time` epoch seconds.
    public func set(_ time: Int64) { lock.withLock { current = time } }

    /// Moves the time forward (or back, for a negative value) by `seconds`.
    public func advance(by seconds: Int64) { lock.withLock { current += seconds } }
}
