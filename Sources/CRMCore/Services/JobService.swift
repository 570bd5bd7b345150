/// Scheduled jobs of plugins (plugin-api.md section 4): scheduling, cancelling and listing as a
/// plugin (only its own jobs), and what the scheduler needs: the next due job, its completion,
/// its failure with retries.
///
/// Jobs are rows of the tenant's database written in the caller's transaction, so a hook that
/// fails (its savepoint rolled back) schedules nothing, and a job's completion commits together
/// with its handler's writes.
public struct JobService: Sendable {
    let crm: CRM

    /// A failing job runs at most this many times, then it is marked failed.
    public static let maximumAttempts = 5

    /// How long after failed attempt `n` (from 1) the job runs again: 1 min, 5 min, 25 min, ~2 h.
    public static func retryDelay(afterAttempt attempt: Int) -> Int64 {
        var delay: Int64 = 60
        for _ in 1..<max(1, attempt) { delay *= 5 }
        return delay
    }

    /// Schedules `handler` of the acting plugin at `dueAt`; with a `key`, the plugin's pending
    /// job with that key is replaced (its window starts again). Returns the new job.
    ///
    /// Scheduling needs no permission (plugin-api.md section 4), only the plugin's name: the
    /// identity is not resolved into a user and role, which a hook scheduling a job per event
    /// paid for on every call.
    public func schedule(handler: String, payload: String, dueAt: Int64, key: String?, by identity: Identity) throws -> Job {
        let plugin = try pluginName(identity, "crm.schedule")
        // One statement, atomic by itself: no savepoint around it (a hook schedules once per event).
        return try crm.store.writeInPlace { tx in
            let job = try reservedJob(plugin: plugin, handler: handler, payload: payload, dueAt: dueAt, key: key, tx)
            try tx.insertJob(job)
            return job
        }
    }

    /// The job `schedule` would write, its id reserved, not written yet: for a caller inside a
    /// transaction that writes it later in that same transaction with `insert` (or drops it).
    public func prepare(handler: String, payload: String, dueAt: Int64, key: String?, by identity: Identity) throws -> Job {
        let plugin = try pluginName(identity, "crm.schedule")
        return try crm.store.read { tx in
            try reservedJob(plugin: plugin, handler: handler, payload: payload, dueAt: dueAt, key: key, tx)
        }
    }

    /// A new pending job of `plugin` under an id reserved in `tx`.
    private func reservedJob(plugin: String, handler: String, payload: String, dueAt: Int64, key: String?,
                             _ tx: any StoreTransaction) throws -> Job {
        Job(id: try tx.reserveJobId(), plugin: plugin, key: key, handler: handler, payload: payload, dueAt: dueAt,
            createdAt: crm.clock.now())
    }

    /// Writes a job `prepare` made, in the transaction it was prepared in, in place (the store may
    /// hold it back until the transaction's next statement on jobs, savepoint or commit).
    /// Like `prepare`, it checks only that the identity is the job's plugin (nothing to resolve).
    public func insert(_ job: Job, by identity: Identity) throws {
        guard try pluginName(identity, "crm.schedule") == job.plugin else {
            throw CRMError.invalid(field: "job", reason: "a plugin writes only its own jobs, not \(job.plugin)'s")
        }
        try crm.store.writeInPlace { tx in try tx.insertJob(job) }
    }

    /// Cancels the acting plugin's pending job with this id; true when there was one.
    public func cancel(id: Int64, by identity: Identity) throws -> Bool {
        let plugin = try pluginName(identity, "crm.cancel")
        return try crm.perform(identity) { op in try op.tx.cancelPendingJob(plugin: plugin, id: id) }
    }

    /// Cancels the acting plugin's pending job with this key; true when there was one.
    public func cancel(key: String, by identity: Identity) throws -> Bool {
        let plugin = try pluginName(identity, "crm.cancel")
        return try crm.perform(identity) { op in try op.tx.cancelPendingJob(plugin: plugin, key: key) }
    }

    /// The acting plugin's pending jobs, soonest first.
    public func pending(by identity: Identity) throws -> [Job] {
        let plugin = try pluginName(identity, "crm.jobs")
        return try crm.store.transaction { tx in try tx.pendingJobs(plugin: plugin) }
    }

    // MARK: For the scheduler (the host's, not a person's or a plugin's)

    /// The pending job due first at or before `time` (by due time, then id), skipping `plugins`.
    public func nextDue(at time: Int64, skipping plugins: Set<String> = []) throws -> Job? {
        try crm.store.transaction { tx in try tx.nextDueJob(at: time, skipping: plugins) }
    }

    /// Every job of the tenant in `status` (failed ones are kept for people to look at).
    public func jobs(status: Job.Status, plugin: String? = nil) throws -> [Job] {
        try crm.store.transaction { tx in try tx.jobs(status: status, plugin: plugin) }
    }

    /// The job ran: it is gone (call it inside the transaction of the handler's writes).
    public func complete(_ job: Job) throws {
        try crm.store.transaction { tx in try tx.deleteJob(id: job.id) }
    }

    /// The job failed with `error` at `now`: retried after a back-off until its last attempt,
    /// then failed for good. `retry: false` fails it at once (its plugin or handler is gone).
    @discardableResult
    public func fail(_ job: Job, error: String, at now: Int64, retry: Bool = true) throws -> Job {
        var failed = job
        failed.failedAttempts += 1
        failed.lastError = error
        if retry && failed.failedAttempts < Self.maximumAttempts {
            failed.dueAt = now + Self.retryDelay(afterAttempt: failed.failedAttempts)
        } else {
            failed.status = .failed
        }
        try crm.store.transaction { tx in try tx.updateJob(failed) }
        return failed
    }

    private func pluginName(_ identity: Identity, _ function: String) throws -> String {
        guard let plugin = identity.plugin else {
            throw CRMError.invalid(field: "identity", reason: "\(function) is for plugins: jobs belong to a plugin")
        }
        return plugin
    }
}
