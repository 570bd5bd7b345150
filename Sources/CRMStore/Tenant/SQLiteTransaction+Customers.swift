import CRMCore
import Foundation
import GRDB

extension SQLiteTransaction {
    /// Every customer snapshot is read through this join, so names replace ids in one place.
    private static let customerSelect = """
        SELECT c.*, r.name AS relationship_name, o.login AS owner_login, d.name AS department_name
        FROM customers c
        JOIN relationships r ON r.id = c.relationship_id
        LEFT JOIN users o ON o.id = c.owner_id
        LEFT JOIN departments d ON d.id = o.department_id
        """

    private static func column(_ field: CustomerField) -> String {
        switch field {
        case .id: return "c.id"
        case .code: return "c.code"
        case .name: return "c.name"
        case .phone: return "c.phone"
        case .email: return "c.email"
        case .relationship: return "r.name"
        case .owner: return "o.login"
        case .department: return "d.name"
        case .referrer: return "c.referrer_id"
        case .points: return "c.points"
        case .source: return "c.source"
        case .createdAt: return "c.created_at"
        case .updatedAt: return "c.updated_at"
        case .lastOrderAt: return "c.last_order_at"
        }
    }

    func customerId(code: String) throws -> Int64? {
        // Direct: asked for every customer created (an import's every row).
        try fetchDirectInt64("SELECT id FROM customers WHERE code = ?") { $0.bind(code) }
    }

    func insertCustomer(_ row: CustomerRow) throws -> Int64 {
        let fields = try JSONText.fields(row.fields)
        // Direct: an import's every row.
        try executeDirect("""
            INSERT INTO customers (code, name, phone, email, relationship_id, owner_id, referrer_id, points, source, fields,
                                   created_at, updated_at, last_order_at, deleted_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """) { values in
            values.bind(row.code); values.bind(row.name); values.bind(row.phone); values.bind(row.email)
            values.bind(row.relationshipId); values.bind(row.ownerId); values.bind(row.referrerId); values.bind(row.points)
            values.bind(row.source); values.bind(fields); values.bind(row.createdAt); values.bind(row.updatedAt)
            values.bind(row.lastOrderAt); values.bind(row.deletedAt)
        }
        let id = db.lastInsertedRowID
        // A new customer has no lists yet: only the ids given are written (most have none).
        try insertAccessLists(customerId: id, viewers: row.viewerIds, shares: row.sharedWithIds)
        return id
    }

    func updateCustomer(_ row: CustomerRow) throws {
        try db.cachedStatement(sql: """
            UPDATE customers SET code = ?, name = ?, phone = ?, email = ?, relationship_id = ?, owner_id = ?, referrer_id = ?,
                points = ?, source = ?, fields = ?, created_at = ?, updated_at = ?, last_order_at = ?, deleted_at = ?
            WHERE id = ?
            """).execute(arguments: [row.code, row.name, row.phone, row.email, row.relationshipId, row.ownerId, row.referrerId,
                             row.points, row.source, try JSONText.fields(row.fields), row.createdAt, row.updatedAt,
                             row.lastOrderAt, row.deletedAt, row.id])
        try replaceAccessLists(customerId: row.id, viewers: row.viewerIds, shares: row.sharedWithIds)
    }

    private func insertAccessLists(customerId: Int64, viewers: [Int64], shares: [Int64]) throws {
        try insert(viewers, into: "customer_viewers", customerId: customerId)
        try insert(shares, into: "customer_shares", customerId: customerId)
    }

    private func replaceAccessLists(customerId: Int64, viewers: [Int64], shares: [Int64]) throws {
        for (table, ids) in [("customer_viewers", viewers), ("customer_shares", shares)] {
            let current = try Int64.fetchAll(try db.cachedStatement(sql: "SELECT user_id FROM \(table) WHERE customer_id = ? ORDER BY user_id"),
                                             arguments: [customerId])
            guard current != ids.sorted() else { continue }
            try db.cachedStatement(sql: "DELETE FROM \(table) WHERE customer_id = ?").execute(arguments: [customerId])
            try insert(ids, into: table, customerId: customerId)
        }
    }

    /// Lists the users in one of a customer's access lists (`customer_viewers` or `customer_shares`).
    private func insert(_ userIds: [Int64], into table: String, customerId: Int64) throws {
        for userId in userIds {
            try db.cachedStatement(sql: "INSERT INTO \(table) (customer_id, user_id) VALUES (?, ?)").execute(arguments: [customerId, userId])
        }
    }

    func customerRow(id: Int64) throws -> CustomerRow? {
        // Columns by position: every write and every hook's reach check reads a row, and GRDB's
        // lookup by name lowercases the name each time.
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT id, code, name, phone, email, relationship_id, owner_id, referrer_id, points, source,
                   created_at, updated_at, last_order_at, fields, deleted_at
            FROM customers WHERE id = ?
            """), arguments: [id]) else { return nil }
        return CustomerRow(
            id: row[0], code: row[1], name: row[2], phone: row[3], email: row[4],
            relationshipId: row[5], ownerId: row[6],
            viewerIds: try Int64.fetchAll(try db.cachedStatement(sql: "SELECT user_id FROM customer_viewers WHERE customer_id = ? ORDER BY user_id"), arguments: [id]),
            sharedWithIds: try Int64.fetchAll(try db.cachedStatement(sql: "SELECT user_id FROM customer_shares WHERE customer_id = ? ORDER BY user_id"), arguments: [id]),
            referrerId: row[7], points: row[8], source: row[9], createdAt: row[10],
            updatedAt: row[11], lastOrderAt: row[12], fields: try JSONText.fields(from: row[13]),
            deletedAt: row[14])
    }

    func customerReach(id: Int64, userId: Int64) throws -> CustomerReach? {
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT owner_id, deleted_at IS NOT NULL,
                   EXISTS (SELECT 1 FROM customer_viewers WHERE customer_id = c.id AND user_id = ?1)
                   OR EXISTS (SELECT 1 FROM customer_shares WHERE customer_id = c.id AND user_id = ?1)
            FROM customers c WHERE id = ?2
            """), arguments: [userId, id]) else { return nil }
        return CustomerReach(ownerId: row[0], isDeleted: row[1], listsUser: row[2])
    }

    func customer(id: Int64) throws -> Customer? {
        let rows = try Row.fetchAll(try db.cachedStatement(sql: Self.customerSelect + " WHERE c.id = ?"), arguments: [id])
        return try snapshots(rows).first
    }

    func findCustomers(_ query: CustomerQuery) throws -> [Customer] {
        let selection = try SelectionSQL(query, scope: query.deleted ? "c.deleted_at IS NOT NULL" : "c.deleted_at IS NULL",
                                         idColumn: "c.id", column: Self.column)
        let sql = Self.customerSelect + " \(selection.whereClause) \(selection.orderAndPage)"
        // Not cached: filters come in endless shapes.
        return try snapshots(try Row.fetchAll(db, sql: sql, arguments: selection.arguments))
    }

    func saleRevenue(customerId: Int64) throws -> Int64 {
        try Int64.fetchOne(try db.cachedStatement(sql: """
            SELECT COALESCE(SUM(total), 0) FROM orders WHERE customer_id = ? AND kind = 'sale' AND status != 'cancelled'
            """), arguments: [customerId]) ?? 0
    }

    /// Turns joined customer rows into snapshots, fetching viewers and shares for all of them at once.
    private func snapshots(_ rows: [Row]) throws -> [Customer] {
        guard !rows.isEmpty else { return [] }
        let ids: [Int64] = rows.map { $0["id"] }
        let viewers = try logins(in: "customer_viewers", for: ids)
        let shares = try logins(in: "customer_shares", for: ids)
        return try rows.map { row in
            let id: Int64 = row["id"]
            return Customer(
                id: id, code: row["code"], name: row["name"], phone: row["phone"], email: row["email"],
                relationship: row["relationship_name"], owner: row["owner_login"], department: row["department_name"],
                viewers: viewers[id] ?? [], sharedWith: shares[id] ?? [], referrer: row["referrer_id"], points: row["points"],
                source: row["source"], createdAt: row["created_at"], updatedAt: row["updated_at"],
                lastOrderAt: row["last_order_at"], fields: try JSONText.fields(from: row["fields"]), deletedAt: row["deleted_at"])
        }
    }

    private func logins(in table: String, for customerIds: [Int64]) throws -> [Int64: [String]] {
        var result: [Int64: [String]] = [:]
        // SQLite binds at most 32766 parameters; chunk well below that.
        for start in stride(from: 0, to: customerIds.count, by: 500) {
            let chunk = Array(customerIds[start..<min(start + 500, customerIds.count)])
            let sql = """
                SELECT t.customer_id, u.login FROM \(table) t JOIN users u ON u.id = t.user_id
                WHERE t.customer_id IN (\(SelectionSQL.placeholders(chunk.count))) ORDER BY u.login
                """
            // One customer (a get, a write's snapshot) is the hot shape; other sizes are not kept.
            let statement = chunk.count == 1 ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
            let rows = try Row.fetchAll(statement, arguments: StatementArguments(chunk))
            for row in rows { result[row["customer_id"], default: []].append(row["login"]) }
        }
        return result
    }
}
