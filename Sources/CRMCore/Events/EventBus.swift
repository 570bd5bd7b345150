import Foundation

/// Delivers domain events synchronously to subscribers, inside the transaction of the change.
/// A subscriber that throws aborts the change; the plugin host catches its plugins' own failures.
public final class EventBus: @unchecked Sendable {
    /// Receives an event while the change's transaction is still open.
    public typealias Subscriber = @Sendable (DomainEvent) throws -> Void

    private let lock = NSLock()
    private var subscribers: [(id: Int, call: Subscriber)] = []
    private var nextId = 0

    public init() {}

    /// Adds a subscriber; keep the token to remove it.
    @discardableResult
    public func subscribe(_ subscriber: @escaping Subscriber) -> Int {
        lock.withLock {
            nextId += 1
            subscribers.append((nextId, subscriber))
            return nextId
        }
    }

    /// Removes the subscriber `token` named.
    public func unsubscribe(_ token: Int) {
        lock.withLock { subscribers.removeAll { $0.id == token } }
    }

    /// Calls every subscriber in subscription order.
    public func publish(_ event: DomainEvent) throws {
        let current = lock.withLock { subscribers }
        for subscriber in current { try subscriber.call(event) }
    }
}
