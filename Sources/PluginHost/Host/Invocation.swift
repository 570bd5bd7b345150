import CRMCore

/// One running hook or job handler: who it acts as, how deep in a cascade it is, and what it
/// changed so far (for the ledger).
final class Invocation {
    let id: Int
    let plugin: String
    let version: String
    /// The hook or handler name.
    let hook: String
    /// 1 for an invocation caused by a person's change; one more for each plugin write in between.
    let depth: Int
    let identity: Identity
    /// The customer of the event, if any.
    let customer: Int64?
    /// What its writes changed, per customer, field by field from the first `from` to the last `to`.
    var changes: [Int64: [String: FieldChange]] = [:]
    /// Where its writes go: its savepoint, opened when first needed, and a job waiting to be written.
    var writes: InvocationWrites

    init(id: Int, plugin: String, version: String, hook: String, depth: Int, identity: Identity, customer: Int64?,
         writes: InvocationWrites) {
        self.id = id
        self.plugin = plugin
        self.version = version
        self.hook = hook
        self.depth = depth
        self.identity = identity
        self.customer = customer
        self.writes = writes
    }

    /// Folds one of its own writes into `changes`.
    func record(_ fieldChanges: [String: FieldChange], customer: Int64) {
        var merged = changes[customer] ?? [:]
        for (field, change) in fieldChanges {
            let from = merged[field]?.from ?? change.from
            merged[field] = from == change.to ? nil : FieldChange(from: from, to: change.to)
        }
        changes[customer] = merged.isEmpty ? nil : merged
    }
}
