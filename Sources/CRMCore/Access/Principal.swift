/// An identity resolved inside a transaction: the user, their role, the permissions in force and
/// the customers they reach. The one place where permission and scope are decided.
struct Principal {
    let identity: Identity
    let user: User
    let role: Role
    /// The role's permissions, narrowed to the manifest's when a plugin acts.
    let permissions: Set<Permission>
    /// The user's department and all of its sub-departments (for `department` scope).
    let departmentIds: Set<Int64>

    static func resolve(_ identity: Identity, in tx: any StoreTransaction) throws -> Principal {
        guard let user = try tx.user(login: identity.login) else {
            throw CRMError.notFound(entity: "user", key: "\"\(identity.login)\"")
        }
        guard let role = try tx.role(id: user.roleId) else {
            throw CRMError.notFound(entity: "role", key: "\(user.roleId)")
        }
        var permissions = role.permissions
        if let limit = identity.permissionLimit { permissions.formIntersection(limit) }
        var departmentIds = Set<Int64>()
        if role.scope == .department, let home = user.departmentId {
            departmentIds = DepartmentTree(try tx.departments()).subtree(of: home)
        }
        return Principal(identity: identity, user: user, role: role, permissions: permissions, departmentIds: departmentIds)
    }

    /// Throws `permission denied: <permission>` unless the permission is in force.
    func require(_ permission: Permission) throws {
        guard permissions.contains(permission) else { throw CRMError.permissionDenied(permission) }
    }

    /// What the store may select for this principal.
    var visibility: Visibility {
        switch role.scope {
        case .all: return .all
        case .own: return .own(userId: user.id)
        case .department: return .department(userId: user.id, departmentIds: departmentIds.sorted())
        }
    }

    /// Whether the customer is within reach for reading: owned, viewed, shared, or in scope.
    func canRead(_ row: CustomerRow, in tx: any StoreTransaction) throws -> Bool {
        let listsUser = row.viewerIds.contains(user.id) || row.sharedWithIds.contains(user.id)
        return try canRead(CustomerReach(ownerId: row.ownerId, isDeleted: row.deletedAt != nil, listsUser: listsUser), in: tx)
    }

    /// The same decision from a customer's reach alone (see `StoreTransaction.customerReach`).
    func canRead(_ reach: CustomerReach, in tx: any StoreTransaction) throws -> Bool {
        if role.scope == .all || reach.ownerId == user.id || reach.listsUser { return true }
        return try ownedWithinDepartment(reach.ownerId, in: tx)
    }

    /// The same decision from a customer's snapshot, which names its users by login: for a
    /// snapshot taken in this transaction (an event's), no need to read the customer again.
    func canRead(_ customer: Customer, in tx: any StoreTransaction) throws -> Bool {
        let login = user.login
        if role.scope == .all || customer.owner == login || customer.viewers.contains(login)
            || customer.sharedWith.contains(login) { return true }
        guard let owner = customer.owner else { return false }
        return try ownerWithinDepartment { try tx.memoizedUser(login: owner)?.departmentId }
    }

    /// Whether the customer may be changed: viewers and shares read only.
    func canWrite(_ row: CustomerRow, in tx: any StoreTransaction) throws -> Bool {
        if role.scope == .all || row.ownerId == user.id { return true }
        return try ownedWithinDepartment(row.ownerId, in: tx)
    }

    private func ownedWithinDepartment(_ ownerId: Int64?, in tx: any StoreTransaction) throws -> Bool {
        guard let ownerId else { return false }
        return try ownerWithinDepartment { try tx.user(id: ownerId)?.departmentId }
    }

    /// Whether department scope reaches a customer whose owner sits in the department
    /// `ownerDepartment` finds (asked only under that scope).
    private func ownerWithinDepartment(_ ownerDepartment: () throws -> Int64?) rethrows -> Bool {
        guard role.scope == .department, let departmentId = try ownerDepartment() else { return false }
        return departmentIds.contains(departmentId)
    }
}

/// The department tree of a tenant, for walking sub-departments and detecting cycles.
struct DepartmentTree {
    private let children: [Int64: [Int64]]

    init(_ departments: [Department]) {
        var children: [Int64: [Int64]] = [:]
        for department in departments {
            if let parent = department.parentId { children[parent, default: []].append(department.id) }
        }
        self.children = children
    }

    /// The department and every department below it.
    func subtree(of root: Int64) -> Set<Int64> {
        var result: Set<Int64> = [root]
        var pending = [root]
        while let next = pending.popLast() {
            for child in children[next] ?? [] where result.insert(child).inserted { pending.append(child) }
        }
        return result
    }
}
