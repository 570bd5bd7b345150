import CRMCore

// The JSON shapes of orders, relationships, the directory and notifications (openapi/lantern.yaml).

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
