import CRMCore
@testable import CRMStore
import Foundation
import GRDB
import Testing

/// Schema v5 lists pending jobs from the scheduler's due index and failed ones from an index of
/// their own (no index by plugin is kept up for every job scheduled): every listing must still
/// hold exactly its plugin's jobs of that status, soonest first, before and after migrating.
@Suite("Store: jobs listed by status and plugin")
struct JobListingTests {
    let folder: URL
    var path: String { folder.appendingPathComponent("tenant.sqlite").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("lantern-jobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// The jobs both tests list: two plugins, due times out of id order, a tie broken by id.
    static let scheduled: [(plugin: String, dueAt: Int64)] = [
        ("reclaim", 300), ("care-again", 100), ("reclaim", 100), ("reclaim", 200),
        ("care-again", 50), ("reclaim", 100), ("care-again", 400),
    ]
    /// Ids (1-based, in `scheduled` order) of the jobs that failed for good.
    static let failedIds: Set<Int64> = [4, 7]

    func listings(_ store: SQLiteTenantStore) throws -> [String: [Int64]] {
        try store.read { tx in
            [
                "pending": try tx.jobs(status: .pending, plugin: nil).map(\.id),
                "pending reclaim": try tx.jobs(status: .pending, plugin: "reclaim").map(\.id),
                "pending care-again": try tx.pendingJobs(plugin: "care-again").map(\.id),
                "failed": try tx.jobs(status: .failed, plugin: nil).map(\.id),
                "failed reclaim": try tx.jobs(status: .failed, plugin: "reclaim").map(\.id),
                "failed care-again": try tx.jobs(status: .failed, plugin: "care-again").map(\.id),
                "failed nobody": try tx.jobs(status: .failed, plugin: "nobody").map(\.id),
            ]
        }
    }

    /// What each listing must hold, worked out from `scheduled` by hand.
    static let expected: [String: [Int64]] = [
        "pending": [5, 2, 3, 6, 1],
        "pending reclaim": [3, 6, 1],
        "pending care-again": [5, 2],
        "failed": [4, 7],
        "failed reclaim": [4],
        "failed care-again": [7],
        "failed nobody": [],
    ]

    @Test("each listing holds its plugin's jobs of that status, by due time then id")
    func listingsByStatusAndPlugin() throws {
        let store = try SQLiteTenantStore(path: path)
        try store.transaction { tx in
            for (plugin, dueAt) in Self.scheduled {
                let id = try tx.reserveJobId()
                try tx.insertJob(Job(id: id, plugin: plugin, key: "k\(id)", handler: "later", payload: "{}", dueAt: dueAt, createdAt: 0))
            }
        }
        try store.transaction { tx in
            for job in try tx.jobs(status: .pending, plugin: nil) where Self.failedIds.contains(job.id) {
                var failed = job
                failed.status = .failed
                failed.lastError = "gave up"
                try tx.updateJob(failed)
            }
        }
        #expect(try listings(store) == Self.expected)
        let indexes = try store.read { tx in
            try String.fetchAll(try #require(tx as? SQLiteTransaction).db, sql: "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'plugin_jobs' ORDER BY name")
        }
        #expect(indexes == ["plugin_jobs_due", "plugin_jobs_failed", "plugin_jobs_key"])
    }

    @Test("jobs written under schema v4 list the same after the v5 migration")
    func v4JobsSurvive() throws {
        let queue = try DatabaseQueue(path: path)
        try TenantSchema.migrator.migrate(queue, upTo: "v4: the ledger keeps the event's customer's changes in its own row")
        try queue.write { db in
            for (offset, (plugin, dueAt)) in Self.scheduled.enumerated() {
                let id = Int64(offset + 1)
                try db.execute(sql: """
                    INSERT INTO plugin_jobs (id, plugin, key, handler, payload, due_at, failed_attempts, status, last_error, created_at)
                    VALUES (?, ?, ?, 'later', '{}', ?, 0, ?, NULL, 0)
                    """, arguments: [id, plugin, "k\(id)", dueAt, Self.failedIds.contains(id) ? "failed" : "pending"])
            }
        }
        try queue.close()
        #expect(try listings(try SQLiteTenantStore(path: path)) == Self.expected)
    }
}
