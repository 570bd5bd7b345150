import CRMCore
import Foundation
import GRDB

extension SQLiteTransaction {
    private static func column(_ field: OrderField) -> String {
        switch field {
        case .id: return "ord.id"
        case .code: return "ord.code"
        case .customer: return "ord.customer_id"
        case .kind: return "ord.kind"
        case .status: return "ord.status"
        case .total: return "ord.total"
        case .createdAt: return "ord.created_at"
        }
    }

    func orderId(code: String) throws -> Int64? {
        try Int64.fetchOne(try db.cachedStatement(sql: "SELECT id FROM orders WHERE code = ?"), arguments: [code])
    }

    func insertOrder(_ order: Order) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO orders (code, kind, customer_id, total, status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [order.code, order.kind.rawValue, order.customer, order.total, order.status.rawValue,
                             order.createdBy, order.createdAt])
        let id = db.lastInsertedRowID
        for (index, line) in order.lines.enumerated() {
            try db.cachedStatement(sql: "INSERT INTO order_lines (order_id, position, product, quantity, price) VALUES (?, ?, ?, ?, ?)").execute(arguments: [id, index + 1, line.product, line.quantity, line.price])
        }
        return id
    }

    func order(id: Int64) throws -> Order? {
        try orders(try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM orders ord WHERE ord.id = ?"), arguments: [id])).first
    }

    func findOrders(_ query: OrderQuery) throws -> [Order] {
        let selection = try SelectionSQL(query, scope: "c.deleted_at IS NULL", idColumn: "ord.id", column: Self.column)
        let sql = """
            SELECT ord.* FROM orders ord
            JOIN customers c ON c.id = ord.customer_id
            LEFT JOIN users o ON o.id = c.owner_id
            \(selection.whereClause) \(selection.orderAndPage)
            """
        // Not cached: filters come in endless shapes.
        return try orders(try Row.fetchAll(db, sql: sql, arguments: selection.arguments))
    }

    private func orders(_ rows: [Row]) throws -> [Order] {
        try rows.map { row in
            let id: Int64 = row["id"]
            let lines = try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM order_lines WHERE order_id = ? ORDER BY position"), arguments: [id]).map {
                OrderLine(product: $0["product"], quantity: $0["quantity"], price: $0["price"])
            }
            return Order(id: id, code: row["code"], kind: OrderKind(rawValue: row["kind"]) ?? .sale, customer: row["customer_id"],
                         total: row["total"], status: OrderStatus(rawValue: row["status"]) ?? .new, lines: lines,
                         createdBy: row["created_by"], createdAt: row["created_at"])
        }
    }
}
