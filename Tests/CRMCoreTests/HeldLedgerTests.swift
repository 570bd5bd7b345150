import CRMCore
@testable import CRMStore
import Foundation
import Testing

/// A transaction the store runs holds its ledger entries back and writes them together (before it
/// commits, before a ledger read, before a savepoint opens): every entry must still be listed
/// exactly once, in order, and go away with the savepoint or transaction it was appended in.
@Suite("Ledger: entries held back within a transaction")
struct HeldLedgerTests {
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
}
