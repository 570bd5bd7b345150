/// A customer snapshot with every field of plugin-api.md section 3, names at the edges:
/// `relationship` is the relationship's name, `owner`, `viewers` and `sharedWith` are logins,
/// `department` is the owner's department. Absent values are nil, never empty strings.
public struct Customer: Sendable, Equatable, Codable {
    public var id: Int64
    public var code: String
    public var name: String
    public var phone: String?
    public var email: String?
    public var relationship: String
    public var owner: String?
    public var department: String?
    public var viewers: [String]
    public var sharedWith: [String]
    public var referrer: Int64?
    public var points: Int64
    public var source: String?
    public var createdAt: Int64
    public var updatedAt: Int64
    public var lastOrderAt: Int64?
    public var fields: [String: FieldValue]
    /// When the customer was soft-deleted; nil while active. Not part of the plugin snapshot.
    public var deletedAt: Int64?

    public init(
        id: Int64, code: String, name: String, phone: String?, email: String?, relationship: String,
        owner: String?, department: String?, viewers: [String], sharedWith: [String], referrer: Int64?,
        points: Int64, source: String?, createdAt: Int64, updatedAt: Int64, lastOrderAt: Int64?,
        fields: [String: FieldValue], deletedAt: Int64?
    ) {
        self.id = id
        self.code = code
        self.name = name
        self.phone = phone
        self.email = email
        self.relationship = relationship
        self.owner = owner
        self.department = department
        self.viewers = viewers
        self.sharedWith = sharedWith
        self.referrer = referrer
        self.points = points
        self.source = source
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastOrderAt = lastOrderAt
        self.fields = fields
        self.deletedAt = deletedAt
    }

    /// The snapshot as plain values keyed by the contract's field names (absent values left out).
    public var snapshot: [String: SnapshotValue] {
        var result: [String: SnapshotValue] = [
            "id": .integer(id), "code": .string(code), "name": .string(name),
            "relationship": .string(relationship),
            "viewers": .array(viewers.map(SnapshotValue.string)),
            "shared_with": .array(sharedWith.map(SnapshotValue.string)),
            "points": .integer(points), "created_at": .integer(createdAt), "updated_at": .integer(updatedAt),
            "fields": .object(fields.mapValues(\.snapshotValue)),
        ]
        result["phone"] = phone.map(SnapshotValue.string)
        result["email"] = email.map(SnapshotValue.string)
        result["owner"] = owner.map(SnapshotValue.string)
        result["department"] = department.map(SnapshotValue.string)
        result["referrer"] = referrer.map(SnapshotValue.integer)
        result["source"] = source.map(SnapshotValue.string)
        result["last_order_at"] = lastOrderAt.map(SnapshotValue.integer)
        return result
    }

    /// The fields that differ from `before`, as `{from, to}`; `updated_at` is bookkeeping, not a change.
    public func changes(since before: Customer) -> [String: FieldChange] {
        let old = before.snapshot
        let new = snapshot
        var result: [String: FieldChange] = [:]
        for key in Set(old.keys).union(new.keys) where key != "updated_at" && old[key] != new[key] {
            result[key] = FieldChange(from: old[key], to: new[key])
        }
        return result
    }
}

/// What decides whether a user reaches a customer, read without the rest of its row: reach
/// checks run for every hook delivery and every read, and a whole row costs three queries.
public struct CustomerReach: Sendable, Equatable {
    public var ownerId: Int64?
    public var isDeleted: Bool
    /// Whether the user asked about is among the customer's viewers or shares.
    public var listsUser: Bool

    public init(ownerId: Int64?, isDeleted: Bool, listsUser: Bool) {
        self.ownerId = ownerId
        self.isDeleted = isDeleted
        self.listsUser = listsUser
    }
}

/// A customer as stored: references by id. Services build and change these; the store
/// turns them into `Customer` snapshots with names.
public struct CustomerRow: Sendable, Equatable {
    public var id: Int64
    public var code: String
    public var name: String
    public var phone: String?
    public var email: String?
    public var relationshipId: Int64
    public var ownerId: Int64?
    public var viewerIds: [Int64]
    public var sharedWithIds: [Int64]
    public var referrerId: Int64?
    public var points: Int64
    public var source: String?
    public var createdAt: Int64
    public var updatedAt: Int64
    public var lastOrderAt: Int64?
    public var fields: [String: FieldValue]
    public var deletedAt: Int64?

    public init(
        id: Int64 = 0, code: String, name: String, phone: String? = nil, email: String? = nil,
        relationshipId: Int64, ownerId: Int64?, viewerIds: [Int64] = [], sharedWithIds: [Int64] = [],
        referrerId: Int64? = nil, points: Int64 = 0, source: String? = nil, createdAt: Int64, updatedAt: Int64,
        lastOrderAt: Int64? = nil, fields: [String: FieldValue] = [:], deletedAt: Int64? = nil
    ) {
        self.id = id
        self.code = code
        self.name = name
        self.phone = phone
        self.email = email
        self.relationshipId = relationshipId
        self.ownerId = ownerId
        self.viewerIds = viewerIds
        self.sharedWithIds = sharedWithIds
        self.referrerId = referrerId
        self.points = points
        self.source = source
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastOrderAt = lastOrderAt
        self.fields = fields
        self.deletedAt = deletedAt
    }
}
