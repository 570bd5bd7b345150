/// The company's people and structure: departments (a tree), roles (permissions + scope) and
/// users. Reading users needs no permission; every change needs `users.manage`.
public struct DirectoryService: Sendable {
    let crm: CRM

    /// The relationships a new tenant starts with (the defaults of the plugin harness as well).
    public static let defaultRelationships = ["Mới", "Đã liên hệ", "Chốt"]

    /// Sets up an empty tenant: the `admin` role (or `adminRole`: every permission, scope `all`), its first user
    /// and the default relationships. Refused once the tenant has any user.
    @discardableResult
    public func bootstrap(adminLogin: String, adminName: String? = nil, adminRole: String = "admin",
                          relationships: [String] = DirectoryService.defaultRelationships) throws -> User {
        try crm.store.transaction { tx in
            guard try tx.users().isEmpty else { throw CRMError.conflict("the tenant is already set up") }
            let login = try TextRules.login(adminLogin)
            let role = try tx.insertRole(name: adminRole, permissions: Set(Permission.allCases), scope: .all)
            let user = try tx.insertUser(login: login, name: try TextRules.required(adminName ?? login, field: "name", max: 200),
                                         departmentId: nil, roleId: role.id, createdAt: crm.clock.now())
            for (index, name) in relationships.enumerated() {
                _ = try tx.insertRelationship(name: try TextRules.required(name, field: "relationships", max: 100),
                                              color: RelationshipService.defaultColor, description: nil, position: index + 1)
            }
            try tx.appendAudit(AuditEntry(at: crm.clock.now(), actor: login, source: .cli, action: "tenant.bootstrap",
                                          entity: "user", entityId: user.id, before: nil, after: ["login": .string(login)]))
            return user
        }
    }

    /// Adds a department, under `parent` (a department name) when given.
    @discardableResult
    public func createDepartment(name: String, parent: String? = nil, by identity: Identity) throws -> Department {
        try crm.perform(identity) { op in
            try op.principal.require(.usersManage)
            let departmentName = try TextRules.required(name, field: "name", max: 100)
            let existing = try op.tx.departments()
            if existing.contains(where: { $0.name == departmentName }) {
                throw CRMError.conflict("a department named \"\(departmentName)\" already exists")
            }
            let parentId = try parent.map { try department(named: $0, in: existing).id }
            let created = try op.tx.insertDepartment(name: departmentName, parentId: parentId)
            var after: [String: SnapshotValue] = ["name": .string(departmentName)]
            after["parent_id"] = parentId.map(SnapshotValue.integer)
            try op.audit("department.create", entity: "department", id: created.id, before: nil, after: after)
            return created
        }
    }

    /// Every department of the tenant.
    public func departments(by identity: Identity) throws -> [Department] {
        try crm.perform(identity) { op in try op.tx.departments() }
    }

    /// Adds a role with `permissions` and `scope`.
    @discardableResult
    public func createRole(name: String, permissions: Set<Permission>, scope: Scope, by identity: Identity) throws -> Role {
        try crm.perform(identity) { op in
            try op.principal.require(.usersManage)
            let roleName = try TextRules.required(name, field: "name", max: 64)
            if try op.tx.role(named: roleName) != nil { throw CRMError.conflict("a role named \"\(roleName)\" already exists") }
            let role = try op.tx.insertRole(name: roleName, permissions: permissions, scope: scope)
            try op.audit("role.create", entity: "role", id: role.id, before: nil, after: Self.snapshot(role))
            return role
        }
    }

    /// Changes a role's permissions and scope; takes effect on the next call of each of its users.
    @discardableResult
    public func updateRole(name: String, permissions: Set<Permission>, scope: Scope, by identity: Identity) throws -> Role {
        try crm.perform(identity) { op in
            try op.principal.require(.usersManage)
            guard let before = try op.tx.role(named: name) else { throw CRMError.notFound(entity: "role", key: "\"\(name)\"") }
            var role = before
            role.permissions = permissions
            role.scope = scope
            try op.tx.updateRole(role)
            try op.audit("role.update", entity: "role", id: role.id, before: Self.snapshot(before), after: Self.snapshot(role))
            return role
        }
    }

    /// Every role of the tenant.
    public func roles(by identity: Identity) throws -> [Role] {
        try crm.perform(identity) { op in try op.tx.roles() }
    }

    /// Adds a user with a role (by name) and optionally a department (by name).
    @discardableResult
    public func createUser(login: String, name: String? = nil, department: String? = nil, role: String,
                           by identity: Identity) throws -> UserInfo {
        try crm.perform(identity) { op in
            try op.principal.require(.usersManage)
            let newLogin = try TextRules.login(login)
            if try op.tx.user(login: newLogin) != nil { throw CRMError.conflict("a user with login \"\(newLogin)\" already exists") }
            guard let userRole = try op.tx.role(named: role) else { throw CRMError.invalid(field: "role", reason: "unknown role \"\(role)\"") }
            let departmentId = try department.map { try self.department(named: $0, in: op.tx.departments()).id }
            let user = try op.tx.insertUser(login: newLogin, name: try TextRules.required(name ?? newLogin, field: "name", max: 200),
                                            departmentId: departmentId, roleId: userRole.id, createdAt: op.now)
            let info = try userInfo(user, op.tx)
            try op.audit("user.create", entity: "user", id: user.id, before: nil, after: Self.snapshot(info))
            return info
        }
    }

    /// Refuses with `permissionDenied` unless `identity` holds `permission`: the check of host-level
    /// actions that are not a CRM record's (plugin status and reload, the job queue).
    public func require(_ permission: Permission, by identity: Identity) throws {
        try crm.perform(identity) { op in try op.principal.require(permission) }
    }

    /// The user with `login` as `{login, name, department, role}`, or nil.
    public func user(_ login: String, by identity: Identity) throws -> UserInfo? {
        try crm.perform(identity) { op in try op.tx.user(login: login).map { try userInfo($0, op.tx) } }
    }

    /// Every user of the tenant.
    public func users(by identity: Identity) throws -> [UserInfo] {
        try crm.perform(identity) { op in try op.tx.users().map { try userInfo($0, op.tx) } }
    }

    private func userInfo(_ user: User, _ tx: any StoreTransaction) throws -> UserInfo {
        let department = try user.departmentId.flatMap { id in try tx.departments().first { $0.id == id }?.name }
        return UserInfo(login: user.login, name: user.name, department: department, role: try tx.role(id: user.roleId)?.name ?? "")
    }

    private func department(named name: String, in departments: [Department]) throws -> Department {
        let wanted = TextRules.normalize(name)
        guard let department = departments.first(where: { $0.name == wanted }) else {
            throw CRMError.invalid(field: "department", reason: "unknown department \"\(name)\"")
        }
        return department
    }

    static func snapshot(_ role: Role) -> [String: SnapshotValue] {
        ["name": .string(role.name), "scope": .string(role.scope.rawValue),
         "permissions": .array(role.permissions.sorted().map { .string($0.rawValue) })]
    }

    static func snapshot(_ user: UserInfo) -> [String: SnapshotValue] {
        var result: [String: SnapshotValue] = ["login": .string(user.login), "name": .string(user.name), "role": .string(user.role)]
        result["department"] = user.department.map(SnapshotValue.string)
        return result
    }
}
