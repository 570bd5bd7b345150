import Dispatch

/// Runs blocking work (SQLite, loading plugins) on a Dispatch thread instead of Swift's
/// cooperative pool, which must never wait on I/O or run Lua (design.md rule 8).
public enum Blocking {
    /// Runs `body` on `queue` (a global one by default) and returns (or throws) its result to the awaiting task.
    public static func run<T: Sendable>(on queue: DispatchQueue = .global(), _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
