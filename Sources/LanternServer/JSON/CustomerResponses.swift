import CRMCore

// The JSON shapes of customer responses, named as in openapi/lantern.yaml. Customers are their
// plugin snapshots (plugin-api.md section 5), so a record reads the same in a hook, a spec and over HTTP.

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
