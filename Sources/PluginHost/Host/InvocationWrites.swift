import CRMCore

/// Where one invocation's writes go.
///
/// A hook runs in a savepoint of the change's transaction, so that a hook that fails leaves
/// nothing behind (plugin-api.md section 7). Opening one costs two statements, and SQLite copies
/// every page first written under it into a journal: for a hook that only schedules a job (the
/// commonest write, and an import's per-row hook) that cost more than the job's own insert. So a
/// hook's savepoint opens only when the hook first calls something that reaches the store, and
/// a `crm.schedule` made before that waits here, its id already reserved, until the hook returns:
/// it is then written in place, one statement, atomic by itself. A hook that fails first drops it,
/// as a rolled-back savepoint would have. Whatever the hook calls next writes it first, so the
/// hook's calls see their effects in the order it made them. (The store may in turn hold the job
/// back and write it with others, before its transaction's next statement on jobs, savepoint or
/// commit: `TransactionMemo.heldJobs`.) One difference a plugin can notice: a store failure
/// while writing a waiting job (a full disk, say) surfaces when the hook returns or later, failing
/// the hook or the whole change, so a `pcall` around `crm.schedule` cannot catch it;
/// `crm.schedule`'s own argument errors are still raised at the call.
///
/// A job handler, and the bench's direct hook calls, already run inside a savepoint or a
/// transaction of their own: their writes go straight through (`deferring: false`).
///
/// A value inside its `Invocation` rather than an object of its own: every hook call makes one,
/// and a second allocation per call showed in the dispatch bench.
struct InvocationWrites {
    private let crm: CRM
    private let deferring: Bool
    private var savepoint: OpenSavepoint?
    private var waitingJob: (job: Job, identity: Identity)?

    /// `deferring`: the invocation runs inside the change's transaction, with no savepoint yet.
    init(crm: CRM, deferring: Bool) {
        self.crm = crm
        self.deferring = deferring
    }

    /// Before any call of the invocation that reaches the store: opens its savepoint and writes
    /// the job waiting to be written.
    mutating func enter() throws {
        guard deferring, savepoint == nil else { return }
        savepoint = try crm.store.writeInPlace { tx in try tx.openSavepoint() }
        try writeWaitingJob()
    }

    /// `crm.schedule`: the job is written now, or when the hook returns if it is the hook's
    /// first write; either way its id is known now.
    mutating func schedule(handler: String, payload: String, dueAt: Int64, key: String?, by identity: Identity) throws -> Job {
        guard deferring, savepoint == nil, waitingJob == nil else {
            try enter()
            return try crm.jobs.schedule(handler: handler, payload: payload, dueAt: dueAt, key: key, by: identity)
        }
        let job = try crm.jobs.prepare(handler: handler, payload: payload, dueAt: dueAt, key: key, by: identity)
        waitingJob = (job, identity)
        return job
    }

    /// The invocation succeeded: writes its waiting job, or keeps what it wrote in its savepoint.
    mutating func finish() throws {
        try writeWaitingJob()
        if let savepoint {
            self.savepoint = nil
            try crm.store.writeInPlace { tx in try tx.release(savepoint) }
        }
    }

    /// The invocation failed: drops its waiting job, or rolls back its savepoint.
    mutating func abandon() {
        waitingJob = nil
        if let savepoint {
            self.savepoint = nil
            try? crm.store.writeInPlace { tx in tx.rollback(savepoint) }
        }
    }

    private mutating func writeWaitingJob() throws {
        guard let waiting = waitingJob else { return }
        waitingJob = nil
        try crm.jobs.insert(waiting.job, by: waiting.identity)
    }
}
