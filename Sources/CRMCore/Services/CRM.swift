import Foundation

/// One tenant's CRM: its store, clock and event bus, and the services that act on them.
///
/// ```swift
/// let crm = CRM(store: try SQLiteTenantStore.inMemory(), clock: SystemClock())
/// try crm.bootstrap(adminLogin: "admin")
/// let admin = Identity.user("admin")
/// let customer = try crm.customers.create(NewCustomer(name: "Nguyễn Gia Khương"), by: admin)
/// ```
public final class CRM: Sendable {
    public let store: any TenantStore
    public let clock: any Clock
    /// Domain events are published here inside the transaction of each change.
    public let events: EventBus
    /// The tenant's time zone: years of revenue (and later dates in plugins) are counted in it.
    public let timeZone: TimeZone

    /// Vietnam's time zone, the default of every tenant.
    public static let defaultTimeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? TimeZone(secondsFromGMT: 7 * 3600) ?? .current

    public init(store: any TenantStore, clock: any Clock, events: EventBus = EventBus(), timeZone: TimeZone = CRM.defaultTimeZone) {
        self.store = store
        self.clock = clock
        self.events = events
        self.timeZone = timeZone
    }

    public var customers: CustomerService { CustomerService(crm: self) }
    public var relationships: RelationshipService { RelationshipService(crm: self) }
    public var orders: OrderService { OrderService(crm: self) }
    public var directory: DirectoryService { DirectoryService(crm: self) }
    public var notifications: NotificationService { NotificationService(crm: self) }
    public var audit: AuditService { AuditService(crm: self) }
    public var ledger: LedgerService { LedgerService(crm: self) }
    public var pluginSettings: PluginSettingsService { PluginSettingsService(crm: self) }
    public var jobs: JobService { JobService(crm: self) }

    /// Runs one service call that only reads: like `perform`, without a savepoint when nested.
    func performReading<T>(_ identity: Identity, _ body: (Operation) throws -> T) throws -> T {
        try store.read { tx in try body(operation(identity, in: tx)) }
    }

    /// Runs one service call: a transaction (or a savepoint when nested), the identity resolved in it.
    func perform<T>(_ identity: Identity, _ body: (Operation) throws -> T) throws -> T {
        try store.transaction { tx in try body(operation(identity, in: tx)) }
    }

    /// Runs a service call that writes with one statement at most, so is atomic without a
    /// savepoint: inside a running transaction it runs right there.
    func performInPlace<T>(_ identity: Identity, _ body: (Operation) throws -> T) throws -> T {
        try store.writeInPlace { tx in try body(operation(identity, in: tx)) }
    }

    /// Runs a service call that makes every check before its first write (the writes go in
    /// `op.writing`) in the running transaction, without a savepoint of its own: a refused call
    /// has written nothing, so nothing needs rolling back. SQLite copies every page first written
    /// inside a savepoint into a journal, which was a fifth of an import row's cost. Should the
    /// writes themselves fail (a store failure), what they wrote cannot be undone alone, so the
    /// whole transaction is marked to roll back (`TransactionMemo.abortedChange`).
    func performCheckingFirst<T>(_ identity: Identity, _ body: (Operation) throws -> T) throws -> T {
        try performInPlace(identity, body)   // in place, as a one-statement write; `writing` guards the rest
    }

    /// A call's context in `tx`, the identity resolved once per top-level transaction.
    private func operation(_ identity: Identity, in tx: any StoreTransaction) throws -> Operation {
        let principal = try tx.memo.principal(identity) { try Principal.resolve(identity, in: tx) }
        return Operation(crm: self, tx: tx, principal: principal, now: clock.now())
    }
}

/// The context of one service call inside its transaction.
struct Operation {
    let crm: CRM
    let tx: any StoreTransaction
    let principal: Principal
    let now: Int64

    var identity: Identity { principal.identity }

    /// Runs the writes of a `performCheckingFirst` call: a failure here marks the transaction
    /// to roll back whole, since no savepoint holds what was written so far.
    func writing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            if tx.memo.abortedChange == nil { tx.memo.abortedChange = error }
            throw error
        }
    }

    /// Records a change in the audit log.
    func audit(_ action: String, entity: String, id: Int64,
               before: [String: SnapshotValue]?, after: [String: SnapshotValue]?) throws {
        try tx.appendAudit(AuditEntry(at: now, actor: identity.label, source: identity.source, action: action,
                                      entity: entity, entityId: id, before: before, after: after))
    }

    /// Records a change to a customer in the audit log, its snapshots written from the customers
    /// themselves (the same entry as with `before.snapshot` and `after.snapshot`).
    func audit(_ action: String, customer id: Int64, before: Customer?, after: Customer?) throws {
        try tx.appendCustomerAudit(AuditEntry(at: now, actor: identity.label, source: identity.source, action: action,
                                              entity: "customer", entityId: id, before: nil, after: nil),
                                   before: before, after: after)
    }

    /// Publishes an event to the subscribers, still inside the transaction.
    func publish(_ kind: DomainEvent.Kind, customer: Customer, before: Customer? = nil,
                 changes: [String: FieldChange] = [:], referrer: Customer? = nil, order: Order? = nil) throws {
        let event = DomainEvent(kind: kind, actor: identity, at: now, customer: customer, before: before,
                                changes: changes, referrer: referrer, order: order)
        if tx.memo.hold(event) { return }   // delivered when `CRM.deliveringEventsAfter` ends
        try crm.events.publish(event)
    }

    /// The customer row with `id` if the principal may read it; deleted and unreachable ones are not found.
    func readableCustomer(_ id: Int64) throws -> CustomerRow {
        guard let row = try tx.customerRow(id: id), row.deletedAt == nil, try principal.canRead(row, in: tx) else {
            throw CRMError.notFound(entity: "customer", key: "\(id)")
        }
        return row
    }

    /// The customer row with `id` if the principal may change it. A customer the principal can
    /// only read (as a viewer or share) is refused with `permission`; one it cannot read is not found.
    func writableCustomer(_ id: Int64, for permission: Permission, deleted: Bool = false) throws -> CustomerRow {
        // Whatever may be written may be read, so reach is decided by canRead alone.
        guard let row = try tx.customerRow(id: id), (row.deletedAt != nil) == deleted,
              try principal.canRead(row, in: tx) else {
            throw CRMError.notFound(entity: "customer", key: "\(id)")
        }
        guard try principal.canWrite(row, in: tx) else { throw CRMError.permissionDenied(permission) }
        return row
    }

    /// The snapshot of a customer known to exist.
    func snapshot(_ id: Int64) throws -> Customer {
        guard let customer = try tx.customer(id: id) else { throw CRMError.notFound(entity: "customer", key: "\(id)") }
        return customer
    }

    /// The user with `login`, or an `invalid` error naming the field the login came from.
    func user(login: String, field: String) throws -> User {
        guard let user = try tx.memoizedUser(login: login) else {
            throw CRMError.invalid(field: field, reason: "unknown user \"\(login)\"")
        }
        return user
    }

    /// The active relationship named `name`.
    func relationship(named name: String, field: String = "relationship") throws -> Relationship {
        let wanted = TextRules.normalize(name)
        guard let relationship = try activeRelationships().first(where: { $0.name == wanted }) else {
            throw CRMError.invalid(field: field, reason: "unknown relationship \"\(name)\"")
        }
        return relationship
    }

    /// The code of a new record: a hand-given one, checked and refused when `isTaken`; otherwise
    /// the next free generated one (see `generatedCode`).
    func newCode(_ given: String?, prefix: String, counter: String, entity: String,
                 isTaken: (String) throws -> Bool) throws -> String {
        if let given { return try checkedCode(given, entity: entity, isTaken: isTaken) }
        return try generatedCode(prefix: prefix, counter: counter, isTaken: isTaken)
    }

    /// A hand-given code, normalized; refused when `isTaken`.
    func checkedCode(_ given: String, entity: String, isTaken: (String) throws -> Bool) throws -> String {
        let code = try TextRules.code(given)
        if try isTaken(code) { throw CRMError.conflict("\(entity) code \"\(code)\" is already used") }
        return code
    }

    /// The next free generated code, such as `KH000123`: `prefix` and at least six digits of the
    /// named counter, skipping numbers a hand-given code already took. Writes the counter.
    func generatedCode(prefix: String, counter: String, isTaken: (String) throws -> Bool) throws -> String {
        while true {
            let digits = String(try tx.nextCounterValue(counter))
            let code = prefix + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
            if try !isTaken(code) { return code }
        }
    }

    /// The tenant's first relationship, which customers without one get.
    func firstRelationship() throws -> Relationship {
        guard let first = try activeRelationships().first else {
            throw CRMError.ruleRefused("the tenant has no relationship; create one first")
        }
        return first
    }

    /// The active relationships in their order, read once per top-level transaction.
    func activeRelationships() throws -> [Relationship] {
        try tx.memo.relationships { try tx.relationships(deleted: false) }
    }

    /// The name of the department with `id` (a user's), read once per top-level transaction.
    func departmentName(_ id: Int64) throws -> String? {
        try tx.memo.departmentName(id) { try tx.departments() }
    }
}
