/// What one top-level transaction resolved once and may reuse until it ends, shared by its
/// savepoints: who each identity is (user, role, permissions, departments). A store makes one
/// per top-level transaction, and forgets it when a savepoint rolls back or the directory
/// (users, roles, departments) is written, so nothing stale is ever reused.
public final class TransactionMemo {
    var principals: [Identity: Principal] = [:]

    public init() {}

    /// Forgets everything resolved so far.
    public func forget() { principals.removeAll() }

    func principal(_ identity: Identity, resolve: () throws -> Principal) rethrows -> Principal {
        if let known = principals[identity] { return known }
        let principal = try resolve()
        principals[identity] = principal
        return principal
    }
}
