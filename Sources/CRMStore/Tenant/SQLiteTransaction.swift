import CRMCore
import Foundation
import GRDB

/// `StoreTransaction` over one GRDB database connection, valid for one transaction. Statements
/// of fixed SQL come from the connection's cache (compiled once, not per call); SQL built from
/// a query's filters is compiled each time, so the cache cannot grow without bound.
final class SQLiteTransaction: StoreTransaction {
    let db: Database
    let memo: TransactionMemo

    init(_ db: Database, memo: TransactionMemo) {
        self.db = db
        self.memo = memo
    }

    // MARK: Savepoints
    //
    // GRDB's `inSavepoint` compiles its three statements on every call; a hook runs in a
    // savepoint and so does every service call it makes, so these come from the connection's
    // statement cache (GRDB still sees each one execute and keeps its transaction bookkeeping).
    // Every savepoint has the same name: SQLite ends the innermost one of that name, and ours
    // always end innermost first.

    func openSavepoint() throws -> OpenSavepoint {
        // Outside a transaction SQLite would start one that GRDB does not know about.
        guard db.isInsideTransaction else { throw DatabaseError(message: "a savepoint opens only inside a transaction") }
        // Held jobs and ledger entries were appended outside this savepoint: written now, they
        // stay whatever it does, and what is held from here on belongs to it.
        try writeHeldWrites()
        let savepoint = OpenSavepoint(abortedBefore: memo.abortedChange, heldEventsBefore: memo.heldEventCount)
        try db.cachedStatement(sql: "SAVEPOINT lantern").execute()
        return savepoint
    }

    func release(_ savepoint: OpenSavepoint) throws {
        try db.cachedStatement(sql: "RELEASE SAVEPOINT lantern").execute()
    }

    func rollback(_ savepoint: OpenSavepoint) {
        // Roll back, then release: rolling back alone leaves the savepoint on SQLite's stack.
        // Should that fail too (an aborted transaction), the error that made the caller roll
        // back is the one to see, and the transaction rolls back whole anyway.
        try? db.cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT lantern").execute()
        try? db.cachedStatement(sql: "RELEASE SAVEPOINT lantern").execute()
        memo.forget()   // it may have seen what the savepoint rolled back
        memo.abortedChange = savepoint.abortedBefore   // what aborted inside was rolled back with it
        memo.heldLedgerEntries.removeAll()   // appended inside it (see `openSavepoint`)
        memo.dropHeldJobs()
        memo.dropHeldEvents(after: savepoint.heldEventsBefore)
    }

    // MARK: Settings

    func setting(_ key: String) throws -> String? {
        try String.fetchOne(try db.cachedStatement(sql: "SELECT value FROM settings WHERE key = ?"), arguments: [key])
    }

    func setSetting(_ key: String, _ value: String) throws {
        try db.cachedStatement(sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").execute(arguments: [key, value])
    }

    func nextCounterValue(_ name: String) throws -> Int64 {
        // The transaction holds the write lock, so a value it wrote stays current until it ends
        // (or a savepoint rolls back, which forgets the memo): an import then pays one plain
        // UPDATE per code instead of an upsert read back through RETURNING.
        if let current = memo.counter(name) {
            try executeDirect("UPDATE counters SET value = ? WHERE name = ?") { row in row.bind(current + 1); row.bind(name) }
            memo.remember(counter: name, value: current + 1)
            return current + 1
        }
        let value = try Int64.fetchOne(try db.cachedStatement(sql: """
            INSERT INTO counters (name, value) VALUES (?, 1)
            ON CONFLICT(name) DO UPDATE SET value = value + 1
            RETURNING value
            """), arguments: [name]) ?? 1
        memo.remember(counter: name, value: value)
        return value
    }

    // MARK: Directory

    func insertDepartment(name: String, parentId: Int64?) throws -> Department {
        memo.forget()
        try db.cachedStatement(sql: "INSERT INTO departments (name, parent_id) VALUES (?, ?)").execute(arguments: [name, parentId])
        return Department(id: db.lastInsertedRowID, name: name, parentId: parentId)
    }

    func departments() throws -> [Department] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT id, name, parent_id FROM departments ORDER BY id")).map {
            Department(id: $0["id"], name: $0["name"], parentId: $0["parent_id"])
        }
    }

    func insertRole(name: String, permissions: Set<Permission>, scope: Scope) throws -> Role {
        memo.forget()
        try db.cachedStatement(sql: "INSERT INTO roles (name, permissions, scope) VALUES (?, ?, ?)").execute(arguments: [name, try JSONText.encode(permissions.sorted()), scope.rawValue])
        return Role(id: db.lastInsertedRowID, name: name, permissions: permissions, scope: scope)
    }

    func updateRole(_ role: Role) throws {
        memo.forget()
        try db.cachedStatement(sql: "UPDATE roles SET name = ?, permissions = ?, scope = ? WHERE id = ?").execute(arguments: [role.name, try JSONText.encode(role.permissions.sorted()), role.scope.rawValue, role.id])
    }

    func role(id: Int64) throws -> Role? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM roles WHERE id = ?"), arguments: [id]).map(Self.role)
    }

    func role(named name: String) throws -> Role? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM roles WHERE name = ?"), arguments: [name]).map(Self.role)
    }

    func roles() throws -> [Role] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM roles ORDER BY id")).map(Self.role)
    }

    private static func role(_ row: Row) throws -> Role {
        let permissions: [Permission] = try JSONText.decode(row["permissions"])
        return Role(id: row["id"], name: row["name"], permissions: Set(permissions), scope: Scope(rawValue: row["scope"]) ?? .own)
    }

    func insertUser(login: String, name: String, departmentId: Int64?, roleId: Int64, createdAt: Int64) throws -> User {
        memo.forget()
        try db.cachedStatement(sql: "INSERT INTO users (login, name, department_id, role_id, created_at) VALUES (?, ?, ?, ?, ?)").execute(arguments: [login, name, departmentId, roleId, createdAt])
        return User(id: db.lastInsertedRowID, login: login, name: name, departmentId: departmentId, roleId: roleId, createdAt: createdAt)
    }

    func user(id: Int64) throws -> User? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM users WHERE id = ?"), arguments: [id]).map(Self.user)
    }

    func user(login: String) throws -> User? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM users WHERE login = ?"), arguments: [login]).map(Self.user)
    }

    func users() throws -> [User] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM users ORDER BY id")).map(Self.user)
    }

    private static func user(_ row: Row) -> User {
        User(id: row["id"], login: row["login"], name: row["name"], departmentId: row["department_id"],
             roleId: row["role_id"], createdAt: row["created_at"])
    }

    // MARK: Relationships

    func insertRelationship(name: String, color: String, description: String?, position: Int) throws -> Relationship {
        memo.forget()
        try db.cachedStatement(sql: "INSERT INTO relationships (name, color, description, position) VALUES (?, ?, ?, ?)").execute(arguments: [name, color, description, position])
        return Relationship(id: db.lastInsertedRowID, name: name, color: color, description: description, position: position, deletedAt: nil)
    }

    func updateRelationship(_ relationship: Relationship) throws {
        memo.forget()
        try db.cachedStatement(sql: "UPDATE relationships SET name = ?, color = ?, description = ?, position = ?, deleted_at = ? WHERE id = ?").execute(arguments: [relationship.name, relationship.color, relationship.description, relationship.position,
                                   relationship.deletedAt, relationship.id])
    }

    func relationship(id: Int64) throws -> Relationship? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM relationships WHERE id = ?"), arguments: [id]).map(Self.relationship)
    }

    func relationships(deleted: Bool) throws -> [Relationship] {
        let sql = deleted
            ? "SELECT * FROM relationships WHERE deleted_at IS NOT NULL ORDER BY deleted_at, id"
            : "SELECT * FROM relationships WHERE deleted_at IS NULL ORDER BY position, id"
        return try Row.fetchAll(try db.cachedStatement(sql: sql)).map(Self.relationship)
    }

    func customerCount(relationshipId: Int64) throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM customers WHERE relationship_id = ?"), arguments: [relationshipId]) ?? 0
    }

    private static func relationship(_ row: Row) -> Relationship {
        Relationship(id: row["id"], name: row["name"], color: row["color"], description: row["description"],
                     position: row["position"], deletedAt: row["deleted_at"])
    }

    // MARK: Audit and notifications

    func appendAudit(_ entry: AuditEntry) throws {
        try appendAudit(entry, before: try entry.before.map(SnapshotJSON.json), after: try entry.after.map(SnapshotJSON.json))
    }

    func appendCustomerAudit(_ entry: AuditEntry, before: Customer?, after: Customer?) throws {
        try appendAudit(entry, before: try before.map(SnapshotJSON.json), after: try after.map(SnapshotJSON.json))
    }

    private func appendAudit(_ entry: AuditEntry, before: JSONWriting?, after: JSONWriting?) throws {
        // Direct: one row per change, the commonest write there is.
        try executeDirect("""
            INSERT INTO audit_log (at, actor, source, action, entity, entity_id, before, after)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """) { row in
            row.bind(entry.at); row.bind(entry.actor); row.bind(entry.source.rawValue); row.bind(entry.action)
            row.bind(entry.entity); row.bind(entry.entityId); row.bind(before); row.bind(after)
        }
    }

    func auditEntries(entity: String?, entityId: Int64?, limit: Int) throws -> [AuditEntry] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let entity { conditions.append("entity = ?"); arguments += [entity] }
        if let entityId { conditions.append("entity_id = ?"); arguments += [entityId] }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [limit]
        let rows = try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM (SELECT * FROM audit_log \(filter) ORDER BY id DESC LIMIT ?) ORDER BY id"),
                                    arguments: arguments)
        return try rows.map { row in
            let beforeText: String? = row["before"]
            let afterText: String? = row["after"]
            return AuditEntry(id: row["id"], at: row["at"], actor: row["actor"], source: ChangeSource(rawValue: row["source"]) ?? .api,
                              action: row["action"], entity: row["entity"], entityId: row["entity_id"],
                              before: try beforeText.map(JSONText.decode), after: try afterText.map(JSONText.decode))
        }
    }

    func insertNotification(_ notification: CRMCore.Notification) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO notifications (recipient_id, message, sender, at, read_at) VALUES (?, ?, ?, ?, ?)").execute(arguments: [notification.recipientId, notification.message, notification.sender, notification.at, notification.readAt])
        return db.lastInsertedRowID
    }

    func notifications(recipientId: Int64, unreadOnly: Bool) throws -> [CRMCore.Notification] {
        let unread = unreadOnly ? "AND read_at IS NULL" : ""
        return try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM notifications WHERE recipient_id = ? \(unread) ORDER BY id"),
                                arguments: [recipientId]).map(Self.notification)
    }

    func notification(id: Int64) throws -> CRMCore.Notification? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM notifications WHERE id = ?"), arguments: [id]).map(Self.notification)
    }

    func markNotificationRead(id: Int64, at: Int64) throws {
        try db.cachedStatement(sql: "UPDATE notifications SET read_at = ? WHERE id = ?").execute(arguments: [at, id])
    }

    private static func notification(_ row: Row) -> CRMCore.Notification {
        CRMCore.Notification(id: row["id"], recipientId: row["recipient_id"], message: row["message"], sender: row["sender"],
                             at: row["at"], readAt: row["read_at"])
    }
}

/// JSON in TEXT columns, with sorted keys so equal values are stored as equal text.
enum JSONText {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Custom fields as stored; most customers have none, which needs no encoder.
    static func fields(_ fields: [String: FieldValue]) throws -> String {
        fields.isEmpty ? "{}" : try encode(fields)
    }

    /// Custom fields from their stored text; most customers have none, which needs no decoder.
    static func fields(from text: String) throws -> [String: FieldValue] {
        text == "{}" ? [:] : try decode(text)
    }

    static func decode<T: Decodable>(_ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
