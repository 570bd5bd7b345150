import CRMCore
@testable import CRMStore
import Foundation
import Testing

/// A transaction the store runs holds its ledger entries and jobs back and writes them together
/// (before it commits, before a read of them, before a savepoint opens): every one must still be
/// there exactly once, in order, and go away with the savepoint or transaction it was added in.
@Suite("Store: ledger entries and jobs held back within a transaction")
struct HeldWritesTests {
    let store: SQLiteTenantStore
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("lantern-held-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = try SQLiteTenantStore(path: folder.appendingPathComponent("tenant.sqlite").path)
    }

    /// An entry of plugin `plugin` for `customer`, telling itself apart by `at`; it changed
    /// `customer`'s name and, with `other`, that customer's relationship too.
    func entry(_ at: Int64, plugin: String = "tidy", customer: Int64 = 1, other: Int64? = nil) -> LedgerEntry {
        var changes: [Int64: [String: FieldChange]] = [customer: ["name": FieldChange(from: .string("A\(at)"), to: .string("Ă\(at)"))]]
        if let other { changes[other] = ["relationship": FieldChange(from: .string("Mới"), to: .string("Đã liên hệ"))] }
        return LedgerEntry(at: at, plugin: plugin, version: "1.0.0", hook: "on_customer_updated", status: .ok, error: nil,
                           durationMilliseconds: 0.25, customer: customer, changes: changes)
    }

    func listed(customer: Int64) throws -> [LedgerEntry] {
        try store.read { tx in try tx.ledger(customerId: customer, limit: 10_000) }
    }

    @Test("hundreds of entries in one transaction, some listed under a second customer, come back in order with their ids")
    func manyEntries() throws {
        try store.transaction { tx in
            for at in 1...300 { try tx.appendLedger(entry(Int64(at), other: at % 7 == 0 ? 2 : nil)) }
            // A read inside the transaction sees them all (held ones written first).
            #expect(try tx.ledger(customerId: 1, limit: 10_000).count == 300)
            for at in 301...333 { try tx.appendLedger(entry(Int64(at))) }
        }
        let underOne = try listed(customer: 1)
        #expect(underOne.map(\.at) == Array(1...333))
        #expect(underOne.map(\.id) == Array(1...333))
        #expect(underOne[41].changes == [1: ["name": FieldChange(from: .string("A42"), to: .string("Ă42"))]])
        let underTwo = try listed(customer: 2)
        #expect(underTwo.map(\.at) == Array(stride(from: 7, through: 300, by: 7)))
        #expect(underTwo.allSatisfy { $0.id == $0.at && $0.changes.keys.sorted() == [2] })
        let byPlugin = try store.read { tx in try tx.ledger(plugin: "tidy", limit: 1) }
        #expect(byPlugin.map(\.id) == [333])
    }

    @Test("a savepoint rolling back drops what was appended inside it, and only that")
    func savepointRollback() throws {
        struct Refused: Error {}
        try store.transaction { tx in
            try tx.appendLedger(entry(1))   // held when the savepoint opens
            var refused = false
            do {
                try tx.savepoint {
                    try tx.appendLedger(entry(2))
                    try tx.savepoint { try tx.appendLedger(entry(3)) }   // released into the outer one
                    throw Refused()
                }
            } catch is Refused {
                refused = true
            }
            #expect(refused)
            try tx.savepoint { try tx.appendLedger(entry(4)) }   // released: kept
            try tx.appendLedger(entry(5))
        }
        #expect(try listed(customer: 1).map(\.at) == [1, 4, 5])
        #expect(try listed(customer: 1).map(\.id) == [1, 2, 3])
    }

    @Test("a transaction that fails writes none of its entries; the next one numbers on")
    func failedTransaction() throws {
        struct Refused: Error {}
        try store.transaction { tx in try tx.appendLedger(entry(1)) }
        #expect(throws: Refused.self) {
            try store.transaction { tx in
                for at in 2...200 { try tx.appendLedger(entry(Int64(at))) }   // some written already, by count
                throw Refused()
            }
        }
        try store.transaction { tx in try tx.appendLedger(entry(201)) }
        #expect(try listed(customer: 1).map(\.at) == [1, 201])
        #expect(try listed(customer: 1).map(\.id) == [1, 2])
    }

    /// A new pending job of plugin "tidy" under an id reserved in `tx`.
    func job(_ tx: any StoreTransaction, key: String?, payload: String) throws -> Job {
        Job(id: try tx.reserveJobId(), plugin: "tidy", key: key, handler: "later", payload: payload, dueAt: 100, createdAt: 0)
    }

    @Test("held jobs are written in order; a key replaces the pending job, held or written, under the new id")
    func heldJobs() throws {
        try store.transaction { tx in
            for number in 1...300 {   // each of 10 keys ten times: across written and held batches
                try tx.insertJob(try job(tx, key: number % 3 == 0 ? "k\(number % 30)" : nil, payload: "p\(number)"))
            }
            try tx.insertJob(try job(tx, key: "k3", payload: "last"))   // and within the held batch
            try tx.insertJob(try job(tx, key: "k3", payload: "very last"))
            #expect(try tx.pendingJobs(plugin: "tidy").count == 200 + 10)
            try tx.insertJob(try job(tx, key: nil, payload: "after the read"))
        }
        let pending = try store.read { tx in try tx.pendingJobs(plugin: "tidy") }
        #expect(pending.count == 200 + 10 + 1)
        #expect(pending.first { $0.key == "k3" }.map { [$0.id: $0.payload] } == [302: "very last"])
        #expect(pending.first { $0.key == "k6" }.map { [$0.id: $0.payload] } == [276: "p276"])
        #expect(pending.filter { $0.key == nil }.map(\.id) == (1...300).filter { $0 % 3 != 0 }.map(Int64.init) + [303])
    }

    @Test("a savepoint rolling back drops the jobs added inside it; their ids are not given again")
    func heldJobsRollBack() throws {
        struct Refused: Error {}
        try store.transaction { tx in
            try tx.insertJob(try job(tx, key: "kept", payload: "1"))
            do {
                try tx.savepoint {
                    try tx.insertJob(try job(tx, key: "kept", payload: "2"))   // would replace the first
                    throw Refused()
                }
            } catch is Refused {}
            try tx.insertJob(try job(tx, key: nil, payload: "3"))
        }
        let pending = try store.read { tx in try tx.pendingJobs(plugin: "tidy") }
        #expect(pending.map { [$0.id: $0.payload] } == [[1: "1"], [3: "3"]])
    }
}
