import CRMCore
@testable import CRMStore
import Foundation
import GRDB
import Testing

/// Schema v4 moves the event's customer's changes into the ledger entry's own row: a tenant
/// database written by an earlier version keeps every listing exactly as it was.
@Suite("Ledger: the v4 migration")
struct LedgerMigrationTests {
    @Test("entries written in the v3 layout list the same under each customer and plugin after migrating")
    func v3EntriesSurvive() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lantern-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("tenant.sqlite").path

        // The customers the entries are listed under: the first two the tenant creates below.
        let (one, two): (Int64, Int64) = (1, 2)
        let renamed = ["name": FieldChange(from: .string("Khương"), to: .string("Nguyễn Gia Khương"))]
        let contacted = ["relationship": FieldChange(from: .string("Mới"), to: .string("Đã liên hệ"))]
        func json(_ changes: [String: FieldChange]) throws -> String { String(decoding: try JSONEncoder().encode(changes), as: UTF8.self) }

        // The v3 layout: one plugin_ledger_customers row per customer an entry is listed under.
        let queue = try DatabaseQueue(path: path)
        try TenantSchema.migrator.migrate(queue, upTo: "v3: scheduled jobs")
        try queue.write { db in
            func entry(_ id: Int64, plugin: String, customer: Int64?, listed: [(Int64, String)]) throws {
                try db.execute(sql: """
                    INSERT INTO plugin_ledger (id, at, plugin, version, hook, status, error, duration_ms, customer_id)
                    VALUES (?, 100, ?, '1.0.0', 'on_customer_created', 'ok', NULL, 0.5, ?)
                    """, arguments: [id, plugin, customer])
                for (customer, changes) in listed {
                    try db.execute(sql: "INSERT INTO plugin_ledger_customers (entry_id, customer_id, changes) VALUES (?, ?, ?)",
                                   arguments: [id, customer, changes])
                }
            }
            try entry(1, plugin: "tidy", customer: one, listed: [(one, try json(renamed)), (two, try json(contacted))])
            try entry(2, plugin: "reclaim", customer: nil, listed: [(two, try json(renamed))])
            try entry(3, plugin: "tidy", customer: one, listed: [(one, "{}")])
        }
        try queue.close()

        let crm = CRM(store: try SQLiteTenantStore(path: path), clock: ManualClock(start: 1_767_200_400))
        try crm.directory.bootstrap(adminLogin: "admin")
        let admin = Identity.user("admin")
        #expect(try [crm.customers.create(NewCustomer(name: "Một"), by: admin).id, crm.customers.create(NewCustomer(name: "Hai"), by: admin).id] == [one, two])

        let underOne = try crm.ledger.forCustomer(one, by: admin)
        #expect(underOne.map(\.id) == [1, 3])
        #expect(underOne.map(\.changes) == [[one: renamed], [:]])
        let underTwo = try crm.ledger.forCustomer(two, by: admin)
        #expect(underTwo.map(\.id) == [1, 2])
        #expect(underTwo.map(\.changes) == [[two: contacted], [two: renamed]])
        #expect(try crm.ledger.forPlugin("tidy", by: admin).map(\.changes) == [[one: renamed, two: contacted], [:]])
        #expect(try crm.ledger.forPlugin("reclaim", by: admin).map(\.customer) == [nil])

        // New entries are listed the same way: under their customer, and under each other one they changed.
        let id: Int64 = 4   // after the three migrated entries
        try crm.store.transaction { tx in
            try tx.appendLedger(LedgerEntry(at: 200, plugin: "tidy", version: "1.0.1", hook: "on_customer_updated", status: .ok,
                                            error: nil, durationMilliseconds: 1, customer: two, changes: [two: renamed, one: contacted]))
        }
        #expect(try crm.ledger.forCustomer(one, by: admin).last.map { [$0.id: $0.changes] } == [id: [one: contacted]])
        #expect(try crm.ledger.forCustomer(two, by: admin).last.map { [$0.id: $0.changes] } == [id: [two: renamed]])
        #expect(try crm.ledger.forPlugin("tidy", by: admin).last?.changes == [two: renamed, one: contacted])
    }
}
