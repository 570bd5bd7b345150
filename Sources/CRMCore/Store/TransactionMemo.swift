/// What one top-level transaction resolved once and may reuse until it ends, shared by its
/// savepoints: who each identity is (user, role, permissions, departments), users by login, the
/// active relationships, the departments' names and the counters' values. A store makes one per
/// top-level transaction, and forgets it when a savepoint rolls back or the directory (users,
/// roles, departments) or a relationship is written, so nothing stale is ever reused. An import
/// of thousands of rows thus looks each owner and relationship up once, not once per row.
public final class TransactionMemo {
    var principals: [Identity: Principal] = [:]
    private var usersByLogin: [String: User] = [:]
    private var activeRelationships: [Relationship]?
    private var departmentNames: [Int64: String]?
    /// The value each named counter holds now, as this transaction last wrote it.
    private var counters: [String: Int64] = [:]
    /// Set when a change failed after it began writing in place (no savepoint of its own to undo
    /// what it wrote): the transaction must then roll back whole, never commit. A savepoint that
    /// rolls back around the failure restores the value it started with.
    public var abortedChange: Error?
    /// The last job id this transaction reserved. `forget` keeps it: an id once handed out stays
    /// taken, so a job written later (a hook's, when the hook returns) never shares its id with
    /// another, and a rolled-back job only leaves a gap.
    public private(set) var lastJobId: Int64?
    /// Ledger entries and jobs appended and not written yet, when this transaction holds them
    /// back (`holdsWrites`): written together, at the latest before it commits. `forget` keeps
    /// them; only a savepoint rolling back drops them (the store writes them out before one
    /// opens, so what is held was all appended inside the innermost open savepoint).
    public var heldLedgerEntries: [LedgerEntry] = []
    public private(set) var heldJobs: [Job] = []
    /// The highest id among `heldJobs` (0 with none): ids are reserved in ascending order, so a
    /// new job's id is nearly always above it, and only then is the list searched for a clash.
    private var heldJobsHighestId: Int64 = 0
    /// True for the memo of a top-level transaction the store itself runs (and so commits).
    public let holdsWrites: Bool
    /// The events published and not delivered yet, while `CRM.deliveringEventsAfter` holds them
    /// back (nil otherwise). A savepoint rolling back drops those published inside it.
    private(set) var heldEvents: [DomainEvent]?

    /// Starts holding back the events published from here on; false when already holding.
    func startHoldingEvents() -> Bool {
        guard heldEvents == nil else { return false }
        heldEvents = []
        return true
    }

    /// Holds `event` back, when events are held (false otherwise: deliver it now).
    func hold(_ event: DomainEvent) -> Bool {
        guard heldEvents != nil else { return false }
        heldEvents!.append(event)
        return true
    }

    /// The held events, in the order they were published, no longer held.
    func stopHoldingEvents() -> [DomainEvent] {
        defer { heldEvents = nil }
        return heldEvents ?? []
    }

    /// How many events are held now (0 when none are), for a savepoint opening.
    public var heldEventCount: Int { heldEvents?.count ?? 0 }

    /// Drops the events held after the first `count` (a savepoint rolled back around them).
    public func dropHeldEvents(after count: Int) {
        guard heldEventCount > count else { return }
        heldEvents!.removeSubrange(count...)
    }

    /// The held jobs, no longer held (the store is about to write them).
    public func takeHeldJobs() -> [Job] {
        defer { dropHeldJobs() }
        return heldJobs
    }

    /// Holds `job` back to be written with others, unless a held job has its id (false).
    public func hold(_ job: Job) -> Bool {
        if job.id <= heldJobsHighestId, heldJobs.contains(where: { $0.id == job.id }) { return false }
        heldJobs.append(job)
        heldJobsHighestId = max(heldJobsHighestId, job.id)
        return true
    }

    /// Forgets the held jobs (a savepoint rolled back around them, or they were written).
    public func dropHeldJobs() {
        heldJobs.removeAll(keepingCapacity: true)
        heldJobsHighestId = 0
    }

    /// The held ledger entries, no longer held (the store is about to write them).
    public func takeHeldLedgerEntries() -> [LedgerEntry] {
        defer { heldLedgerEntries.removeAll(keepingCapacity: true) }
        return heldLedgerEntries
    }

    public init(holdsWrites: Bool = false) {
        self.holdsWrites = holdsWrites
    }

    /// Forgets everything resolved so far.
    public func forget() {
        principals.removeAll()
        usersByLogin.removeAll()
        activeRelationships = nil
        departmentNames = nil
        counters.removeAll()
    }

    /// The value counter `name` holds now, when this transaction has written it before: the
    /// next code is then one plain update away, not an upsert that reads the value back.
    public func counter(_ name: String) -> Int64? { counters[name] }

    /// Remembers the value the transaction just wrote to counter `name`.
    public func remember(counter name: String, value: Int64) { counters[name] = value }

    /// One more than the last id reserved, or than `highest` the first time.
    func reserveJobId(highest: () throws -> Int64) rethrows -> Int64 {
        let next = try (lastJobId ?? highest()) + 1
        lastJobId = next
        return next
    }

    func principal(_ identity: Identity, resolve: () throws -> Principal) rethrows -> Principal {
        if let known = principals[identity] { return known }
        let principal = try resolve()
        principals[identity] = principal
        return principal
    }

    /// The user with `login`; an unknown login is looked up again next time (it may be created).
    func user(login: String, resolve: () throws -> User?) rethrows -> User? {
        if let known = usersByLogin[login] { return known }
        let user = try resolve()
        if let user { usersByLogin[login] = user }
        return user
    }

    /// The active relationships in their order.
    func relationships(resolve: () throws -> [Relationship]) rethrows -> [Relationship] {
        if let known = activeRelationships { return known }
        let relationships = try resolve()
        activeRelationships = relationships
        return relationships
    }

    /// The name of the department with `id`, or nil when there is none.
    func departmentName(_ id: Int64, resolve: () throws -> [Department]) rethrows -> String? {
        if let known = departmentNames { return known[id] }
        let names = Dictionary(try resolve().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        departmentNames = names
        return names[id]
    }
}

extension StoreTransaction {
    /// The user with `login`, read once per top-level transaction (see `TransactionMemo`).
    func memoizedUser(login: String) throws -> User? {
        try memo.user(login: login) { try user(login: login) }
    }
}
