import CRMCore
import Foundation
import LuaRuntime

/// How one due job ended.
public struct JobOutcome: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        /// The handler ran; the job is gone.
        case done
        /// The handler failed; it runs again at `retryAt`.
        case willRetry(at: Int64)
        /// The last attempt failed, or the job cannot run (its plugin or handler is gone).
        case failed
    }

    public let job: Job
    public let result: Result
    /// The handler's error, or why the job could not run.
    public let error: String?
}

extension PluginHost {
    /// Runs the pending job due first at or before `time`, if any (plugin-api.md section 4).
    ///
    /// Everything happens in one transaction: the handler's writes (in a savepoint), the job's
    /// completion or failure, the ledger entry, and the hooks its writes fire. Either all of it
    /// commits or none of it, so a job's effects happen once even if the process dies at any
    /// instant. Jobs of disabled plugins, and of plugins that failed to load, wait; a job whose
    /// plugin folder is gone, or whose handler the current version lacks, is failed at once.
    @discardableResult
    public func runNextDueJob(at time: Int64) throws -> JobOutcome? {
        try crm.store.transaction { _ in
            precondition(!draining, "jobs run from the top level, never from inside an invocation")
            guard let job = try crm.jobs.nextDue(at: time, skipping: waitingPlugins()) else { return nil }
            let outcome = try run(job)
            try beforeJobCommit?(job)
            return outcome
        }
    }

    /// Runs every job due at or before `time`, in due order; returns how they ended.
    @discardableResult
    public func runDueJobs(at time: Int64) throws -> [JobOutcome] {
        var outcomes: [JobOutcome] = []
        while let outcome = try runNextDueJob(at: time) { outcomes.append(outcome) }
        return outcomes
    }

    /// Plugins whose jobs wait rather than fail: disabled, or loaded once but broken now.
    func waitingPlugins() -> Set<String> {
        lock.withLock {
            Set(slots.values.compactMap { slot -> String? in
                if let instance = slot.instance { return instance.manifest.enabled ? nil : instance.manifest.name }
                return slot.name
            })
        }
    }

    private func run(_ job: Job) throws -> JobOutcome {
        let found: PluginSlot? = lock.withLock { slot(named: job.plugin) }
        guard let slot = found, let instance = lock.withLock({ slot.instance }) else {
            return try failWithoutRunning(job, "plugin '\(job.plugin)' is not loaded in this tenant any more")
        }
        guard instance.functions.contains(job.handler) else {
            return try failWithoutRunning(job, "handler '\(job.handler)' is not a function of plugin '\(job.plugin)' version \(instance.manifest.version)")
        }
        let manifest = instance.manifest
        nextInvocationId += 1
        let invocation = Invocation(
            id: nextInvocationId, plugin: manifest.name, version: manifest.version, hook: job.handler, depth: 1,
            identity: .plugin(manifest.name, runAs: manifest.runAs, permissions: manifest.permissions, source: .job),
            customer: nil,
            writes: InvocationWrites(crm: crm, deferring: false))   // the handler runs in a savepoint already
        let jobTable: LuaValue = .table(LuaTable(fields: [
            "id": .integer(job.id), "key": job.key.map(LuaValue.string) ?? .nil_, "plugin": .string(job.plugin),
            "due_at": .integer(job.dueAt), "attempt": .integer(Int64(job.attempt)),
        ]))
        // Events its writes cause wait in the queue until it finished, as for a hook.
        draining = true
        running = invocation
        let clock = ContinuousClock()
        let started = clock.now
        var failure: Error?
        do {
            // Decoded inside the handler's budget: a payload's cost is the plugin's, at every attempt.
            let payload = try JobPayload.decode(job.payload)
            let spent = clock.now - started
            try crm.store.transaction { _ in
                try instance.run(job.handler, [payload, jobTable], for: invocation, seed: Self.seed(job, base: instance.seedBase),
                                 spent: spent)
                try crm.jobs.complete(job)
            }
        } catch {
            failure = error
            queue.removeAll { $0.cause == invocation.id }
        }
        running = nil
        defer { draining = false }
        var outcome = JobOutcome(job: job, result: .done, error: nil)
        if let failure {
            let message = String(describing: failure)
            let failed = try crm.jobs.fail(job, error: message, at: crm.clock.now())
            outcome = JobOutcome(job: failed, result: failed.status == .failed ? .failed : .willRetry(at: failed.dueAt), error: message)
        }
        try finish(invocation, of: instance, in: slot, failure: failure, elapsed: clock.now - started)
        while !queue.isEmpty { try invoke(queue.removeFirst()) }
        return outcome
    }

    /// Fails a job that cannot run at all, with a ledger entry that says why.
    private func failWithoutRunning(_ job: Job, _ reason: String) throws -> JobOutcome {
        let failed = try crm.jobs.fail(job, error: reason, at: crm.clock.now(), retry: false)
        try crm.store.transaction { tx in
            try tx.appendLedger(LedgerEntry(at: crm.clock.now(), plugin: job.plugin, version: "", hook: job.handler, status: .error,
                                            error: reason, durationMilliseconds: 0, customer: nil, changes: [:]))
        }
        return JobOutcome(job: failed, result: .failed, error: reason)
    }

    /// The seed of `math.random` for one attempt of a job (`base`: its plugin's name, hashed once).
    static func seed(_ job: Job, base: SeedHash) -> Int64 {
        var seed = base
        seed.add("job")
        seed.add(job.id)
        seed.add(Int64(job.attempt))
        return seed.value
    }
}
