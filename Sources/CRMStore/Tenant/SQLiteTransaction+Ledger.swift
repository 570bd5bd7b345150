import CRMCore
import GRDB

extension SQLiteTransaction {
    func appendLedger(_ entry: LedgerEntry) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO plugin_ledger (at, plugin, version, hook, status, error, duration_ms, customer_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [entry.at, entry.plugin, entry.version, entry.hook, entry.status.rawValue, entry.error,
                             entry.durationMilliseconds, entry.customer])
        let id = db.lastInsertedRowID
        for customer in entry.customers {
            try db.cachedStatement(sql: "INSERT INTO plugin_ledger_customers (entry_id, customer_id, changes) VALUES (?, ?, ?)").execute(arguments: [id, customer, try Self.changesText(entry.changes[customer])])
        }
        return id
    }

    /// A customer's changes as stored; an invocation that changed nothing needs no encoder.
    private static func changesText(_ changes: [String: FieldChange]?) throws -> String {
        guard let changes, !changes.isEmpty else { return "{}" }
        return try JSONText.encode(changes)
    }

    func ledger(customerId: Int64, limit: Int) throws -> [LedgerEntry] {
        let rows = try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT * FROM (
                SELECT l.*, c.customer_id AS listed_customer, c.changes
                FROM plugin_ledger_customers c JOIN plugin_ledger l ON l.id = c.entry_id
                WHERE c.customer_id = ? ORDER BY c.entry_id DESC LIMIT ?
            ) ORDER BY id
            """), arguments: [customerId, limit])
        return try rows.map { row in
            var entry = Self.ledgerEntry(row)
            let changes: [String: FieldChange] = try JSONText.decode(row["changes"])
            entry.changes = changes.isEmpty ? [:] : [customerId: changes]
            return entry
        }
    }

    func ledger(plugin: String, limit: Int) throws -> [LedgerEntry] {
        let rows = try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT * FROM (SELECT * FROM plugin_ledger WHERE plugin = ? ORDER BY id DESC LIMIT ?) ORDER BY id
            """), arguments: [plugin, limit])
        return try rows.map { row in
            var entry = Self.ledgerEntry(row)
            for listed in try Row.fetchAll(try db.cachedStatement(sql: "SELECT customer_id, changes FROM plugin_ledger_customers WHERE entry_id = ?"),
                                           arguments: [entry.id]) {
                let changes: [String: FieldChange] = try JSONText.decode(listed["changes"])
                if !changes.isEmpty { entry.changes[listed["customer_id"]] = changes }
            }
            return entry
        }
    }

    private static func ledgerEntry(_ row: Row) -> LedgerEntry {
        LedgerEntry(id: row["id"], at: row["at"], plugin: row["plugin"], version: row["version"], hook: row["hook"],
                    status: LedgerEntry.Status(rawValue: row["status"]) ?? .error, error: row["error"],
                    durationMilliseconds: row["duration_ms"], customer: row["customer_id"], changes: [:])
    }
}
