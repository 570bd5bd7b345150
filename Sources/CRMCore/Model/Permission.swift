/// A permission a role grants, named exactly as plugin-api.md section 5 names them.
public enum Permission: String, CaseIterable, Sendable, Hashable, Codable, Comparable {
    case settingsManage = "settings.manage"
    case customersRead = "customers.read"
    case customersCreate = "customers.create"
    case customersUpdate = "customers.update"
    case customersDelete = "customers.delete"
    case customersAssign = "customers.assign"
    case customersShare = "customers.share"
    case ordersRead = "orders.read"
    case ordersCreate = "orders.create"
    case pluginsManage = "plugins.manage"
    case usersManage = "users.manage"

    public static func < (lhs: Permission, rhs: Permission) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses a list of permission names; `"*"` alone means every permission.
    /// Throws `CRMError.invalid` naming the first unknown permission.
    public static func parse(_ names: [String], field: String = "permissions") throws -> Set<Permission> {
        if names == ["*"] { return Set(Permission.allCases) }
        var result = Set<Permission>()
        for name in names {
            guard let permission = Permission(rawValue: name) else {
                throw CRMError.invalid(field: field, reason: "unknown permission \"\(name)\"")
            }
            result.insert(permission)
        }
        return result
    }
}

/// Which customers a role reaches (plugin-api.md section 5).
public enum Scope: String, CaseIterable, Sendable, Hashable, Codable {
    /// Customers the user owns, views or has been shared; viewers and shares read only.
    case own
    /// `own`, plus customers owned by users of the user's department and its sub-departments.
    case department
    /// Every customer of the tenant.
    case all
}
