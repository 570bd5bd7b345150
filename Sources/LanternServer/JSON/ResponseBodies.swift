import CRMCore
import CustomerImport
import PluginHost

// The JSON shapes of the API's responses, named as in openapi/lantern.yaml. Customers and
// orders are their plugin snapshots (plugin-api.md section 5), so a record reads the same in a
// hook, in a spec and over HTTP.

/// A customer: its snapshot, plus `deleted_at` when it is in the trash.
struct CustomerBody: Encodable, Sendable {
    let customer: Customer

    func encode(to encoder: any Encoder) throws {
        var fields = customer.snapshot
        if let deletedAt = customer.deletedAt { fields["deleted_at"] = .integer(deletedAt) }
        try fields.encode(to: encoder)
    }
}

/// One page of a list: the items, and the offset of the next page when there may be one.
struct PageBody<Item: Encodable & Sendable>: Encodable, Sendable {
    let items: [Item]
    let limit: Int
    let offset: Int
    let nextOffset: Int?

    init(items: [Item], limit: Int, offset: Int) {
        self.items = items
        self.limit = limit
        self.offset = offset
        nextOffset = items.count == limit ? offset + limit : nil
    }

    enum CodingKeys: String, CodingKey { case items, limit, offset, nextOffset = "next_offset" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(limit, forKey: .limit)
        try container.encode(offset, forKey: .offset)
        try container.encode(nextOffset, forKey: .nextOffset)   // null on the last page
    }
}

/// A list without pages.
struct ListBody<Item: Encodable & Sendable>: Encodable, Sendable {
    let items: [Item]
}

struct OrderBody: Encodable, Sendable {
    let order: Order
    func encode(to encoder: any Encoder) throws { try order.snapshot.encode(to: encoder) }
}

struct RelationshipBody: Encodable, Sendable {
    let relationship: Relationship
    enum CodingKeys: String, CodingKey { case id, name, color, description, position, deletedAt = "deleted_at" }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(relationship.id, forKey: .id)
        try container.encode(relationship.name, forKey: .name)
        try container.encode(relationship.color, forKey: .color)
        try container.encode(relationship.description, forKey: .description)
        try container.encode(relationship.position, forKey: .position)
        try container.encode(relationship.deletedAt, forKey: .deletedAt)
    }
}

struct UserBody: Encodable, Sendable {
    let user: UserInfo
    enum CodingKeys: String, CodingKey { case login, name, department, role }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(user.login, forKey: .login)
        try container.encode(user.name, forKey: .name)
        try container.encode(user.department, forKey: .department)
        try container.encode(user.role, forKey: .role)
    }
}

struct RoleBody: Encodable, Sendable {
    let role: Role
    enum CodingKeys: String, CodingKey { case id, name, permissions, scope }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role.id, forKey: .id)
        try container.encode(role.name, forKey: .name)
        try container.encode(role.permissions.map(\.rawValue).sorted(), forKey: .permissions)
        try container.encode(role.scope.rawValue, forKey: .scope)
    }
}

struct DepartmentBody: Encodable, Sendable {
    let department: Department
    enum CodingKeys: String, CodingKey { case id, name, parentId = "parent_id" }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(department.id, forKey: .id)
        try container.encode(department.name, forKey: .name)
        try container.encode(department.parentId, forKey: .parentId)
    }
}

struct NotificationBody: Encodable, Sendable {
    let notification: CRMCore.Notification
    enum CodingKeys: String, CodingKey { case id, message, sender, at, readAt = "read_at" }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(notification.id, forKey: .id)
        try container.encode(notification.message, forKey: .message)
        try container.encode(notification.sender, forKey: .sender)
        try container.encode(notification.at, forKey: .at)
        try container.encode(notification.readAt, forKey: .readAt)
    }
}

/// A ledger entry as the customer's Automation tab shows it: only that customer's changes.
struct LedgerEntryBody: Encodable, Sendable {
    let entry: LedgerEntry
    let customer: Int64
    enum CodingKeys: String, CodingKey { case id, at, plugin, version, hook, status, error, durationMs = "duration_ms", changes }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entry.id, forKey: .id)
        try container.encode(entry.at, forKey: .at)
        try container.encode(entry.plugin, forKey: .plugin)
        try container.encode(entry.version, forKey: .version)
        try container.encode(entry.hook, forKey: .hook)
        try container.encode(entry.status.rawValue, forKey: .status)
        try container.encode(entry.error, forKey: .error)
        try container.encode(entry.durationMilliseconds, forKey: .durationMs)
        let changes = (entry.changes[customer] ?? [:]).mapValues { change in
            SnapshotValue.object(["from": change.from, "to": change.to].compactMapValues { $0 })
        }
        try container.encode(changes, forKey: .changes)
    }
}

struct ReferralBody: Encodable, Sendable {
    let node: ReferralNode
    enum CodingKeys: String, CodingKey { case id, code, name, relationship, createdAt = "created_at", revenue, depth, referred }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(node.id, forKey: .id)
        try container.encode(node.code, forKey: .code)
        try container.encode(node.name, forKey: .name)
        try container.encode(node.relationship, forKey: .relationship)
        try container.encode(node.createdAt, forKey: .createdAt)
        try container.encode(node.revenue, forKey: .revenue)
        try container.encode(node.depth, forKey: .depth)
        try container.encode(node.referred.map(ReferralBody.init), forKey: .referred)
    }
}

struct RevenueBody: Encodable, Sendable {
    struct Year: Encodable, Sendable {
        let year: Int
        let total: Int64
        let orders: Int
    }
    let customer: Int64
    let total: Int64
    let years: [Year]

    init(customer: Int64, years: [YearRevenue]) {
        self.customer = customer
        self.years = years.map { Year(year: $0.year, total: $0.total, orders: $0.orders) }
        total = years.reduce(0) { $0 + $1.total }
    }
}

struct PluginStatusBody: Encodable, Sendable {
    let status: PluginStatus
    enum CodingKeys: String, CodingKey { case name, version, state, error, enabled, invocations, errors, timeouts }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status.name, forKey: .name)
        try container.encode(status.version, forKey: .version)
        try container.encode(status.state.rawValue, forKey: .state)
        try container.encode(status.error, forKey: .error)
        try container.encode(status.enabled, forKey: .enabled)
        try container.encode(status.invocations, forKey: .invocations)
        try container.encode(status.errors, forKey: .errors)
        try container.encode(status.timeouts, forKey: .timeouts)
    }
}

struct PluginLogBody: Encodable, Sendable {
    let line: PluginLogLine
    enum CodingKeys: String, CodingKey { case at, level, message }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(line.at, forKey: .at)
        try container.encode(line.level, forKey: .level)
        try container.encode(line.message, forKey: .message)
    }
}

struct JobBody: Encodable, Sendable {
    let job: Job
    enum CodingKeys: String, CodingKey {
        case id, plugin, key, handler, payload, status, attempts, error
        case dueAt = "due_at", createdAt = "created_at"
    }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(job.id, forKey: .id)
        try container.encode(job.plugin, forKey: .plugin)
        try container.encode(job.key, forKey: .key)
        try container.encode(job.handler, forKey: .handler)
        try container.encode(job.payload, forKey: .payload)
        try container.encode(job.status.rawValue, forKey: .status)
        try container.encode(job.failedAttempts, forKey: .attempts)
        try container.encode(job.lastError, forKey: .error)
        try container.encode(job.dueAt, forKey: .dueAt)
        try container.encode(job.createdAt, forKey: .createdAt)
    }
}

struct ImportReportBody: Encodable, Sendable {
    let report: ImportReport
    enum CodingKeys: String, CodingKey { case created, overridden, skipped, failed }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(report.created, forKey: .created)
        try container.encode(report.overridden, forKey: .overridden)
        try container.encode(report.skipped, forKey: .skipped)
        try container.encode(report.failed, forKey: .failed)
    }
}
