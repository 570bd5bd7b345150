/// A department of the company; departments form a tree through `parentId`.
public struct Department: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    public var parentId: Int64?

    public init(id: Int64, name: String, parentId: Int64?) {
        self.id = id
        self.name = name
        self.parentId = parentId
    }
}

/// A role: a set of permissions and a scope.
public struct Role: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    public var permissions: Set<Permission>
    public var scope: Scope

    public init(id: Int64, name: String, permissions: Set<Permission>, scope: Scope) {
        self.id = id
        self.name = name
        self.permissions = permissions
        self.scope = scope
    }
}

/// A user of one tenant, as stored.
public struct User: Sendable, Equatable, Codable {
    public var id: Int64
    public var login: String
    public var name: String
    public var departmentId: Int64?
    public var roleId: Int64
    public var createdAt: Int64

    public init(id: Int64, login: String, name: String, departmentId: Int64?, roleId: Int64, createdAt: Int64) {
        self.id = id
        self.login = login
        self.name = name
        self.departmentId = departmentId
        self.roleId = roleId
        self.createdAt = createdAt
    }
}

/// A user as the API and plugins see one: `{login, name, department, role}` by name.
public struct UserInfo: Sendable, Equatable, Codable {
    public var login: String
    public var name: String
    public var department: String?
    public var role: String

    public init(login: String, name: String, department: String?, role: String) {
        self.login = login
        self.name = name
        self.department = department
        self.role = role
    }
}
