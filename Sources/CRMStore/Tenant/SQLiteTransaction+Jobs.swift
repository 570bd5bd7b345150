import CRMCore
import GRDB

extension SQLiteTransaction {
    func insertJob(_ job: Job) throws -> Int64 {
        // REPLACE resolves only a clash on plugin_jobs_key (a pending job with the same plugin and
        // key): no other unique column is written, and every NOT NULL column is given.
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO plugin_jobs (plugin, key, handler, payload, due_at, failed_attempts, status, last_error, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [job.plugin, job.key, job.handler, job.payload, job.dueAt, job.failedAttempts,
                             job.status.rawValue, job.lastError, job.createdAt])
        return db.lastInsertedRowID
    }

    func updateJob(_ job: Job) throws {
        try db.cachedStatement(sql: "UPDATE plugin_jobs SET due_at = ?, failed_attempts = ?, status = ?, last_error = ? WHERE id = ?").execute(arguments: [job.dueAt, job.failedAttempts, job.status.rawValue, job.lastError, job.id])
    }

    func deleteJob(id: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM plugin_jobs WHERE id = ?").execute(arguments: [id])
    }

    func cancelPendingJob(plugin: String, id: Int64) throws -> Bool {
        try db.cachedStatement(sql: "DELETE FROM plugin_jobs WHERE id = ? AND plugin = ? AND status = 'pending'").execute(arguments: [id, plugin])
        return db.changesCount > 0
    }

    func cancelPendingJob(plugin: String, key: String) throws -> Bool {
        try db.cachedStatement(sql: "DELETE FROM plugin_jobs WHERE plugin = ? AND key = ? AND status = 'pending'").execute(arguments: [plugin, key])
        return db.changesCount > 0
    }

    func pendingJobs(plugin: String) throws -> [Job] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM plugin_jobs WHERE plugin = ? AND status = 'pending' ORDER BY due_at, id"),
                         arguments: [plugin]).map(Self.job)
    }

    func nextDueJob(at time: Int64, skipping plugins: Set<String>) throws -> Job? {
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

    func jobs(status: Job.Status, plugin: String?) throws -> [Job] {
        if let plugin {
            return try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM plugin_jobs WHERE status = ? AND plugin = ? ORDER BY due_at, id"),
                                    arguments: [status.rawValue, plugin]).map(Self.job)
        }
        return try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM plugin_jobs WHERE status = ? ORDER BY due_at, id"),
                                arguments: [status.rawValue]).map(Self.job)
    }

    private static func job(_ row: Row) -> Job {
        Job(id: row["id"], plugin: row["plugin"], key: row["key"], handler: row["handler"], payload: row["payload"],
            dueAt: row["due_at"], failedAttempts: row["failed_attempts"],
            status: Job.Status(rawValue: row["status"]) ?? .failed, lastError: row["last_error"], createdAt: row["created_at"])
    }
}
