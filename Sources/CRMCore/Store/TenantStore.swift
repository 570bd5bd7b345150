/// The persistence of one tenant, behind which SQLite (and later PostgreSQL) sits.
///
/// Every service call runs in one `transaction`. A call made from inside a transaction on the
/// same store (a plugin hook calling back into the services) runs in a savepoint of it instead,
/// so hooks share the transaction of the change that fired them.
public protocol TenantStore: Sendable {
    /// Runs `body` in a write transaction, committed when it returns and rolled back when it throws;
    /// re-entrant calls run in a savepoint of the current transaction.
    func transaction<T>(_ body: (any StoreTransaction) throws -> T) throws -> T

    /// Runs `body`, which only reads, in a transaction; inside a running transaction it runs
    /// right there, without the savepoint a write would need.
    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T

    /// Runs `body`, which writes, in the running transaction as it stands (no savepoint of its
    /// own), or in a transaction of its own when none runs. Only for writes whose failure fails
    /// the caller's whole change anyway, such as an invocation's ledger entry: a savepoint would
    /// copy every page the write touches into its journal first, for nothing.
    func writeInPlace<T>(_ body: (any StoreTransaction) throws -> T) throws -> T
}

/// The operations the services need, within one transaction. Read methods return soft-deleted
/// records too unless they say otherwise; visibility and permissions are the services' job,
/// except the `visibility` of a query, which the store applies in its selection.
public protocol StoreTransaction: AnyObject {
    /// The memo of the top-level transaction this one belongs to (savepoints share it).
    var memo: TransactionMemo { get }

    /// Opens a savepoint that stays open after this call returns, for work spread over several
    /// calls (a plugin hook's): end it with `release` or `rollback` in the same transaction, after
    /// every savepoint opened inside it has ended. `savepoint(_:)` is the scoped form.
    func openSavepoint() throws -> OpenSavepoint
    /// Keeps what was written since `savepoint` opened, and ends it.
    func release(_ savepoint: OpenSavepoint) throws
    /// Undoes what was written since `savepoint` opened, and ends it; the memo forgets what it
    /// may have learnt meanwhile, and the transaction's abort mark is what it was at the opening.
    func rollback(_ savepoint: OpenSavepoint)

    // Settings
    func setting(_ key: String) throws -> String?
    func setSetting(_ key: String, _ value: String) throws

    // Directory
    func insertDepartment(name: String, parentId: Int64?) throws -> Department
    func departments() throws -> [Department]
    func insertRole(name: String, permissions: Set<Permission>, scope: Scope) throws -> Role
    func updateRole(_ role: Role) throws
    func role(id: Int64) throws -> Role?
    func role(named name: String) throws -> Role?
    func roles() throws -> [Role]
    func insertUser(login: String, name: String, departmentId: Int64?, roleId: Int64, createdAt: Int64) throws -> User
    func user(id: Int64) throws -> User?
    func user(login: String) throws -> User?
    func users() throws -> [User]

    // Relationships, ordered by position
    func insertRelationship(name: String, color: String, description: String?, position: Int) throws -> Relationship
    func updateRelationship(_ relationship: Relationship) throws
    func relationship(id: Int64) throws -> Relationship?
    func relationships(deleted: Bool) throws -> [Relationship]
    /// How many customers, soft-deleted ones included, have this relationship.
    func customerCount(relationshipId: Int64) throws -> Int

    // Customers
    /// The next value of a named counter, starting at 1 (used for `KH000123` codes).
    func nextCounterValue(_ name: String) throws -> Int64
    func customerId(code: String) throws -> Int64?
    func insertCustomer(_ row: CustomerRow) throws -> Int64
    func updateCustomer(_ row: CustomerRow) throws
    func customerRow(id: Int64) throws -> CustomerRow?
    /// The customer's owner, whether it is deleted and whether `userId` views or shares it.
    func customerReach(id: Int64, userId: Int64) throws -> CustomerReach?
    func customer(id: Int64) throws -> Customer?
    func findCustomers(_ query: CustomerQuery) throws -> [Customer]
    /// Sale revenue of a customer over all time (cancelled orders excluded).
    func saleRevenue(customerId: Int64) throws -> Int64

    // Orders
    func orderId(code: String) throws -> Int64?
    func insertOrder(_ order: Order) throws -> Int64
    func order(id: Int64) throws -> Order?
    func findOrders(_ query: OrderQuery) throws -> [Order]

    // Audit and notifications
    func appendAudit(_ entry: AuditEntry) throws
    /// Appends `entry` (whose own snapshots are not read) with the snapshots of customers `before`
    /// and `after`: the same entry as one with `before?.snapshot` and `after?.snapshot`, which a
    /// store may write without building those dictionaries (every customer change is audited).
    func appendCustomerAudit(_ entry: AuditEntry, before: Customer?, after: Customer?) throws
    func auditEntries(entity: String?, entityId: Int64?, limit: Int) throws -> [AuditEntry]
    func insertNotification(_ notification: Notification) throws -> Int64
    func notifications(recipientId: Int64, unreadOnly: Bool) throws -> [Notification]
    func notification(id: Int64) throws -> Notification?
    func markNotificationRead(id: Int64, at: Int64) throws

    // The plugin ledger
    /// Appends an invocation, listed under each of its `customers`. A store may hold entries
    /// back and write them together later in the same transaction (before it commits, before a
    /// ledger read, before a savepoint opens); an entry's id is given when it is written.
    func appendLedger(_ entry: LedgerEntry) throws
    /// Invocations listed under a customer, oldest first, each with only that customer's changes.
    func ledger(customerId: Int64, limit: Int) throws -> [LedgerEntry]
    /// The newest `limit` invocations of a plugin, oldest first, with all their changes.
    func ledger(plugin: String, limit: Int) throws -> [LedgerEntry]

    // Scheduled jobs
    /// The highest job id the tenant ever gave (ids are never reused), 0 before the first job.
    func highestJobId() throws -> Int64
    /// Stores a new pending job under its id, which must have been reserved in this transaction
    /// (`reserveJobId`); one with a key replaces the plugin's pending job with that key in the
    /// same statement (only the new job, with its new id, remains). Like ledger entries, a store
    /// may hold jobs back until the next statement on jobs, savepoint or commit.
    func insertJob(_ job: Job) throws
    /// Rewrites a job's attempts, due time, status and error.
    func updateJob(_ job: Job) throws
    func deleteJob(id: Int64) throws
    /// Deletes the plugin's pending job with this id or key; true when there was one.
    func cancelPendingJob(plugin: String, id: Int64) throws -> Bool
    func cancelPendingJob(plugin: String, key: String) throws -> Bool
    /// The plugin's pending jobs, by due time then id.
    func pendingJobs(plugin: String) throws -> [Job]
    /// The pending job due first at or before `time` (by due time, then id), found by index.
    func nextDueJob(at time: Int64, skipping plugins: Set<String>) throws -> Job?
    func jobs(status: Job.Status, plugin: String?) throws -> [Job]
}

/// A savepoint `StoreTransaction.openSavepoint` opened and has not ended yet.
public struct OpenSavepoint {
    /// The transaction's abort mark when it opened (`TransactionMemo.abortedChange`), restored
    /// when it rolls back: what aborted inside is undone with it.
    public let abortedBefore: Error?
    /// How many events the transaction held back when it opened (`TransactionMemo.heldEventCount`):
    /// those published inside are dropped when it rolls back, as their changes are.
    public let heldEventsBefore: Int

    public init(abortedBefore: Error?, heldEventsBefore: Int) {
        self.abortedBefore = abortedBefore
        self.heldEventsBefore = heldEventsBefore
    }
}

extension StoreTransaction {
    /// Runs `body` in a savepoint; rolled back (and the error rethrown) when it throws.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        let savepoint = try openSavepoint()
        let value: T
        do {
            value = try body()
        } catch {
            rollback(savepoint)
            throw error
        }
        try release(savepoint)
        return value
    }

    /// A new job id, never given before: one more than the highest the tenant or this transaction
    /// gave. A job is written under an id reserved in its own transaction (`insertJob` checks).
    public func reserveJobId() throws -> Int64 {
        try memo.reserveJobId { try highestJobId() }
    }
}
