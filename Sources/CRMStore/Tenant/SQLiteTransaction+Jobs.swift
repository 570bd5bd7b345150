import CRMCore
import GRDB

extension SQLiteTransaction {
    func insertJob(_ job: Job) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO plugin_jobs (plugin, key, handler, payload, due_at, failed_attempts, status, last_error, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [job.plugin, job.key, job.handler, job.payload, job.dueAt, job.failedAttempts,
                             job.status.rawValue, job.lastError, job.createdAt])
        return db.lastInsertedRowID
    }

    func updateJob(_ job: Job) throws {
        try db.execute(sql: "UPDATE plugin_jobs SET due_at = ?, failed_attempts = ?, status = ?, last_error = ? WHERE id = ?",
                       arguments: [job.dueAt, job.failedAttempts, job.status.rawValue, job.lastError, job.id])
    }

    func deleteJob(id: Int64) throws {
        try db.execute(sql: "DELETE FROM plugin_jobs WHERE id = ?", arguments: [id])
    }

    func cancelPendingJob(plugin: String, id: Int64) throws -> Bool {
        try db.execute(sql: "DELETE FROM plugin_jobs WHERE id = ? AND plugin = ? AND status = 'pending'", arguments: [id, plugin])
        return db.changesCount > 0
    }

    func cancelPendingJob(plugin: String, key: String) throws -> Bool {
        try db.execute(sql: "DELETE FROM plugin_jobs WHERE plugin = ? AND key = ? AND status = 'pending'", arguments: [plugin, key])
        return db.changesCount > 0
    }

    func pendingJobs(plugin: String) throws -> [Job] {
        try Row.fetchAll(db, sql: "SELECT * FROM plugin_jobs WHERE plugin = ? AND status = 'pending' ORDER BY due_at, id",
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
        return try Row.fetchOne(db, sql: sql + " ORDER BY due_at, id LIMIT 1", arguments: arguments).map(Self.job)
    }

    func jobs(status: Job.Status, plugin: String?) throws -> [Job] {
        if let plugin {
            return try Row.fetchAll(db, sql: "SELECT * FROM plugin_jobs WHERE status = ? AND plugin = ? ORDER BY due_at, id",
                                    arguments: [status.rawValue, plugin]).map(Self.job)
        }
        return try Row.fetchAll(db, sql: "SELECT * FROM plugin_jobs WHERE status = ? ORDER BY due_at, id",
                                arguments: [status.rawValue]).map(Self.job)
    }

    private static func job(_ row: Row) -> Job {
        Job(id: row["id"], plugin: row["plugin"], key: row["key"], handler: row["handler"], payload: row["payload"],
            dueAt: row["due_at"], failedAttempts: row["failed_attempts"],
            status: Job.Status(rawValue: row["status"]) ?? .failed, lastError: row["last_error"], createdAt: row["created_at"])
    }
}
