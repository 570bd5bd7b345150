/// One line of the audit log: who changed what, when, with the record before and after.
public struct AuditEntry: Sendable, Equatable, Codable {
    public var id: Int64
    public var at: Int64
    /// The login of the user, or `plugin:<name>` when a plugin made the change.
    public var actor: String
    public var source: ChangeSource
    /// What was done, such as `customer.update` or `relationship.move`.
    public var action: String
    /// The kind of record: `customer`, `relationship`, `order`, `user`, `role`, `department`.
    public var entity: String
    public var entityId: Int64
    public var before: [String: SnapshotValue]?
    public var after: [String: SnapshotValue]?

    public init(id: Int64 = 0, at: Int64, actor: String, source: ChangeSource, action: String, entity: String,
                entityId: Int64, before: [String: SnapshotValue]?, after: [String: SnapshotValue]?) {
        self.id = id
        self.at = at
        self.actor = actor
        self.source = source
        self.action = action
        self.entity = entity
        self.entityId = entityId
        self.before = before
        self.after = after
    }
}

/// A message in one user's inbox, from a user or a plugin (`crm.notify`).
public struct Notification: Sendable, Equatable, Codable {
    public var id: Int64
    public var recipientId: Int64
    public var message: String
    /// The login of the user, or `plugin:<name>`, who sent it.
    public var sender: String
    public var at: Int64
    public var readAt: Int64?

    public init(id: Int64 = 0, recipientId: Int64, message: String, sender: String, at: Int64, readAt: Int64? = nil) {
        self.id = id
        self.recipientId = recipientId
        self.message = message
        self.sender = sender
        self.at = at
        self.readAt = readAt
    }
}

/// A customer in a referral tree: who they are, how far they are, and what they bought.
public struct ReferralNode: Sendable, Equatable, Codable {
    public var id: Int64
    public var code: String
    public var name: String
    public var relationship: String
    public var createdAt: Int64
    /// Sale revenue of this customer over all years (cancelled orders excluded).
    public var revenue: Int64
    /// 1 for customers referred directly, 2 for those they referred, and so on.
    public var depth: Int
    public var referred: [ReferralNode]

    public init(id: Int64, code: String, name: String, relationship: String, createdAt: Int64, revenue: Int64,
                depth: Int, referred: [ReferralNode]) {
        self.id = id
        self.code = code
        self.name = name
        self.relationship = relationship
        self.createdAt = createdAt
        self.revenue = revenue
        self.depth = depth
        self.referred = referred
    }
}
