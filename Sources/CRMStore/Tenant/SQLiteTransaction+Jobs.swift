import CRMCore
import GRDB

extension SQLiteTransaction {
    /// Held jobs are written this many to an INSERT (see `ledgerRowsPerStatement`).
    static let jobRowsPerStatement = 32

    /// One upsert of `rows` jobs (index: rows). A pending job of the plugin with the same key is
    /// replaced, by an earlier row of the same statement too: its row takes the new id and values.
    /// An upsert, not INSERT OR REPLACE: SQLite's REPLACE with an explicit id cost twice a plain
    /// insert (measured in C: ~11 µs against ~6), and an id clash fails loudly instead of
    /// deleting the other job.
    private static let jobInserts: [String] = (0...jobRowsPerStatement).map { rows in
        "INSERT INTO plugin_jobs (id, plugin, key, handler, payload, due_at, failed_attempts, status, last_error, created_at) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
            + """
             ON CONFLICT (plugin, key) WHERE status = 'pending' AND key IS NOT NULL DO UPDATE SET
                id = excluded.id, handler = excluded.handler, payload = excluded.payload, due_at = excluded.due_at,
                failed_attempts = excluded.failed_attempts, status = excluded.status, last_error = excluded.last_error,
                created_at = excluded.created_at
            """
    }

    func highestJobId() throws -> Int64 {
        try writeHeldJobs()
        // plugin_jobs is AUTOINCREMENT: SQLite keeps its highest id ever in sqlite_sequence.
        return try Int64.fetchOne(try db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = 'plugin_jobs'")) ?? 0
    }

    func insertJob(_ job: Job) throws {
        // Only an id reserved in this transaction is known never to have been given before.
        guard job.id > 0, let reserved = memo.lastJobId, job.id <= reserved else {
            throw DatabaseError(message: "job id \(job.id) was not reserved in this transaction")
        }
        // Held like the ledger's entries; a second job under a held id is written at once, after
        // the held ones, so its clash fails here with SQLite's own error.
        guard memo.holdsWrites, memo.hold(job) else {
            try writeHeldJobs()
            return try writeJobs([job])
        }
        if memo.heldJobs.count >= 4 * Self.jobRowsPerStatement { try writeHeldJobs() }
    }

    /// Writes the jobs this transaction holds back (`TransactionMemo.heldJobs`), in order.
    func writeHeldJobs() throws {
        try writeJobs(memo.takeHeldJobs())
    }

    private func writeJobs(_ jobs: [Job]) throws {
        try forEachChunk(of: jobs, size: Self.jobRowsPerStatement) { chunk in
            try executeDirect(Self.jobInserts[chunk.count]) { row in
                for job in chunk {
                    row.bind(job.id); row.bind(job.plugin); row.bind(job.key); row.bind(job.handler); row.bind(job.payload)
                    row.bind(job.dueAt); row.bind(job.failedAttempts); row.bind(job.status.rawValue); row.bind(job.lastError)
                    row.bind(job.createdAt)
                }
            }
        }
    }

    func updateJob(_ job: Job) throws {
        try writeHeldJobs()
        try db.cachedStatement(sql: "UPDATE plugin_jobs SET due_at = ?, failed_attempts = ?, status = ?, last_error = ? WHERE id = ?").execute(arguments: [job.dueAt, job.failedAttempts, job.status.rawValue, job.lastError, job.id])
    }

    func deleteJob(id: Int64) throws {
        try writeHeldJobs()
        try db.cachedStatement(sql: "DELETE FROM plugin_jobs WHERE id = ?").execute(arguments: [id])
    }

    func cancelPendingJob(plugin: String, id: Int64) throws -> Bool {
        try writeHeldJobs()
        try db.cachedStatement(sql: "DELETE FROM plugin_jobs WHERE id = ? AND plugin = ? AND status = 'pending'").execute(arguments: [id, plugin])
        return db.changesCount > 0
    }

    func cancelPendingJob(plugin: String, key: String) throws -> Bool {
        try writeHeldJobs()
        try db.cachedStatement(sql: "DELETE FROM plugin_jobs WHERE plugin = ? AND key = ? AND status = 'pending'").execute(arguments: [plugin, key])
        return db.changesCount > 0
    }

    func pendingJobs(plugin: String) throws -> [Job] {
        try jobs(status: .pending, plugin: plugin)
    }

    func nextDueJob(at time: Int64, skipping plugins: Set<String>) throws -> Job? {
        try writeHeldJobs()
        // Walks the partial index in due order; skipped plugins (disabled ones) are few.
        var sql = "SELECT * FROM plugin_jobs INDEXED BY plugin_jobs_due WHERE status = 'pending' AND due_at <= ?"
        var arguments: StatementArguments = [time]
        if !plugins.isEmpty {
            sql += " AND plugin NOT IN (\(plugins.map { _ in "?" }.joined(separator: ", ")))"
            for plugin in plugins.sorted() { arguments += [plugin] }
        }
        let statement = plugins.isEmpty ? try db.cachedStatement(sql: sql + " ORDER BY due_at, id LIMIT 1")
                                        : try db.makeStatement(sql: sql + " ORDER BY due_at, id LIMIT 1")
        return try Row.fetchOne(statement, arguments: arguments).map(Self.job)
    }

    /// Listed in due order from the partial index of their status (schema v5): pending jobs from
    /// the scheduler's index, a plugin's among them picked out as it is walked (a tenant has a
    /// few plugins, and no index by plugin is kept up for every job scheduled); failed ones from
    /// their own small index.
    func jobs(status: Job.Status, plugin: String?) throws -> [Job] {
        try writeHeldJobs()
        let index = switch status {
        case .pending: "plugin_jobs_due"
        case .failed: "plugin_jobs_failed"
        }
        // The status is written into the SQL: a partial index serves only a query whose WHERE
        // names its condition, which a bound parameter does not.
        let sql = "SELECT * FROM plugin_jobs INDEXED BY \(index) WHERE status = '\(status.rawValue)'"
            + (plugin == nil ? "" : " AND plugin = ?") + " ORDER BY due_at, id"
        return try Row.fetchAll(try db.cachedStatement(sql: sql), arguments: plugin.map { [$0] } ?? []).map(Self.job)
    }

    private static func job(_ row: Row) -> Job {
        Job(id: row["id"], plugin: row["plugin"], key: row["key"], handler: row["handler"], payload: row["payload"],
            dueAt: row["due_at"], failedAttempts: row["failed_attempts"],
            status: Job.Status(rawValue: row["status"]) ?? .failed, lastError: row["last_error"], createdAt: row["created_at"])
    }
}
