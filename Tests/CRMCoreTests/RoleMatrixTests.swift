import CRMCore
import Testing

/// The role model as a matrix: every customer operation × the permission present or missing ×
/// every scope × how the customer relates to the acting user.
@Suite("Role model matrix")
struct RoleMatrixTests {
    /// How the tested customer relates to the acting user ("actor", department Sales).
    enum Relation: String, CaseIterable, Sendable {
        case owned, sameDepartment, subDepartment, otherDepartment, viewer, shared, unowned
    }

    /// An operation, the permission it needs, and whether it needs the customer readable or writable.
    enum Operation: String, CaseIterable, Sendable {
        case get, update, setRelationship, assign, addViewer, share, delete, createOrder, getOrder

        var permission: Permission {
            switch self {
            case .get: return .customersRead
            case .update, .setRelationship: return .customersUpdate
            case .assign: return .customersAssign
            case .addViewer, .share: return .customersShare
            case .delete: return .customersDelete
            case .createOrder: return .ordersCreate
            case .getOrder: return .ordersRead
            }
        }

        var needsWrite: Bool { ![.get, .createOrder, .getOrder].contains(self) }
    }

    static func canRead(_ scope: Scope, _ relation: Relation) -> Bool {
        switch scope {
        case .all: return true
        case .department: return relation != .otherDepartment && relation != .unowned
        case .own: return [.owned, .viewer, .shared].contains(relation)
        }
    }

    static func canWrite(_ scope: Scope, _ relation: Relation) -> Bool {
        switch scope {
        case .all: return true
        case .department: return [.owned, .sameDepartment, .subDepartment].contains(relation)
        case .own: return relation == .owned
        }
    }

    @Test(arguments: Operation.allCases, Scope.allCases)
    func matrix(_ operation: Operation, _ scope: Scope) throws {
        for relation in Relation.allCases {
            for granted in [true, false] {
                try check(operation, scope: scope, relation: relation, granted: granted)
            }
        }
    }

    private func check(_ operation: Operation, scope: Scope, relation: Relation, granted: Bool) throws {
        var permissions = Set(Permission.allCases)
        if !granted { permissions.remove(operation.permission) }
        let tenant = try TestTenant(actorPermissions: permissions, actorScope: scope)
        let created: Customer
        switch relation {
        case .owned: created = try tenant.customer(owner: "actor")
        case .sameDepartment: created = try tenant.customer(owner: "mate")
        case .subDepartment: created = try tenant.customer(owner: "junior")
        case .otherDepartment: created = try tenant.customer(owner: "outsider")
        case .viewer: created = try tenant.customer(owner: "outsider", viewers: ["actor"])
        case .shared: created = try tenant.customer(owner: "outsider", sharedWith: ["actor"])
        case .unowned: created = try tenant.customer(owner: nil)
        }
        let order = try tenant.crm.orders.create(NewOrder(customer: created.id, total: 100), by: tenant.admin)
        let customer = try #require(try tenant.crm.customers.get(created.id, by: tenant.admin))
        let actor = Identity.user("actor")
        let context = "\(operation) scope=\(scope) relation=\(relation) granted=\(granted)"

        var readResult: Bool?
        let error = crmError { () throws -> Void in
            switch operation {
            case .get: readResult = try tenant.crm.customers.get(customer.id, by: actor) != nil
            case .update: try tenant.crm.customers.update(customer.id, CustomerPatch(name: "Đổi tên"), by: actor)
            case .setRelationship: try tenant.crm.customers.setRelationship(customer.id, to: "Chốt", by: actor)
            case .assign: try tenant.crm.customers.assign(customer.id, to: "mate", by: actor)
            case .addViewer: try tenant.crm.customers.addViewer(customer.id, "junior", by: actor)
            case .share: try tenant.crm.customers.share(customer.id, with: ["junior"], by: actor)
            case .delete: try tenant.crm.customers.delete(customer.id, by: actor)
            case .createOrder: try tenant.crm.orders.create(NewOrder(customer: customer.id, total: 5), by: actor)
            case .getOrder: readResult = try tenant.crm.orders.get(order.id, by: actor) != nil
            }
        }
        let readable = Self.canRead(scope, relation)
        let writable = Self.canWrite(scope, relation)
        if !granted {
            #expect(error == .permissionDenied(operation.permission), "\(context)")
            #expect(error?.description == "permission denied: \(operation.permission.rawValue)", "\(context)")
        } else if let readResult {
            #expect(error == nil, "\(context)")
            #expect(readResult == readable, "\(context)")
        } else if operation.needsWrite && readable && !writable {
            #expect(error == .permissionDenied(operation.permission), "\(context): readable but not writable")
        } else if operation.needsWrite ? !writable : !readable {
            #expect(error == .notFound(entity: "customer", key: "\(customer.id)"), "\(context): out of reach looks missing")
        } else {
            #expect(error == nil, "\(context)")
        }
        // A refused call writes nothing.
        if error != nil {
            let after = try #require(try tenant.crm.customers.get(customer.id, by: tenant.admin))
            #expect(after == customer, "\(context): refused call changed the customer")
        }
    }

    @Test("finding customers returns exactly the readable ones")
    func findFollowsScope() throws {
        for scope in Scope.allCases {
            let tenant = try TestTenant(actorScope: scope)
            var expected: [Int64] = []
            for relation in Relation.allCases {
                let owner: String? = switch relation {
                case .owned: "actor"
                case .sameDepartment: "mate"
                case .subDepartment: "junior"
                case .otherDepartment, .viewer, .shared: "outsider"
                case .unowned: nil
                }
                let customer = try tenant.customer(relation.rawValue, owner: owner,
                                                   viewers: relation == .viewer ? ["actor"] : [],
                                                   sharedWith: relation == .shared ? ["actor"] : [])
                if Self.canRead(scope, relation) { expected.append(customer.id) }
                // What a plugin host asks per event: decided from the snapshot, the same as from the store.
                let fromSnapshot = try tenant.crm.customers.isReadable(customer, by: .user("actor"))
                #expect(fromSnapshot == Self.canRead(scope, relation), "snapshot, scope \(scope), \(relation)")
                #expect(try (tenant.crm.customers.get(customer.id, by: .user("actor")) != nil) == fromSnapshot)
                _ = try tenant.crm.orders.create(NewOrder(customer: customer.id, total: 1), by: tenant.admin)
            }
            let found = try tenant.crm.customers.find(by: .user("actor")).map(\.id)
            #expect(found == expected, "scope \(scope)")
            let orders = try tenant.crm.orders.find(by: .user("actor")).map(\.customer)
            #expect(orders == expected, "orders, scope \(scope)")
        }
    }

    @Test("a plugin acts with the permissions both its manifest and its run_as user's role grant")
    func pluginPermissionsAreTheIntersection() throws {
        let tenant = try TestTenant(actorPermissions: [.customersRead, .customersUpdate], actorScope: .own)
        let mine = try tenant.customer(owner: "actor")
        let others = try tenant.customer(owner: "outsider")
        let plugin = Identity.plugin("auto-reclaim", runAs: "actor", permissions: [.customersRead, .customersAssign])
        #expect(try tenant.crm.customers.get(mine.id, by: plugin) != nil)
        #expect(try tenant.crm.customers.get(others.id, by: plugin) == nil, "the role's scope still applies")
        // In the role but not the manifest:
        #expect(crmError { try tenant.crm.customers.setRelationship(mine.id, to: "Chốt", by: plugin) } == .permissionDenied(.customersUpdate))
        // In the manifest but not the role:
        #expect(crmError { try tenant.crm.customers.assign(mine.id, to: "mate", by: plugin) } == .permissionDenied(.customersAssign))
    }

    @Test("creating a customer owned by yourself or nobody needs only customers.create")
    func creationRule() throws {
        let tenant = try TestTenant(actorPermissions: [.customersCreate, .customersRead], actorScope: .own)
        let actor = Identity.user("actor")
        let mine = try tenant.crm.customers.create(NewCustomer(name: "Của tôi"), by: actor)
        #expect(mine.owner == "actor")
        let pool = try tenant.crm.customers.create(NewCustomer(name: "Không ai", owner: .nobody), by: actor)
        #expect(pool.owner == nil)
        #expect(crmError { try tenant.crm.customers.create(NewCustomer(name: "Của Mate", owner: .user("mate")), by: actor) }
                == .permissionDenied(.customersAssign))
        #expect(crmError { try tenant.crm.customers.create(NewCustomer(name: "X"), by: .user("mate")) } == .permissionDenied(.customersCreate))
        #expect(try tenant.customerCount() == 2)
    }

    @Test("settings and users need their permissions")
    func settingsAndDirectoryPermissions() throws {
        let tenant = try TestTenant(actorPermissions: Set(Permission.allCases).subtracting([.settingsManage, .usersManage]))
        let actor = Identity.user("actor")
        #expect(crmError { try tenant.crm.relationships.create(name: "Mới 2", by: actor) } == .permissionDenied(.settingsManage))
        #expect(crmError { try tenant.crm.directory.createUser(login: "x", role: "staff", by: actor) } == .permissionDenied(.usersManage))
        #expect(crmError { try tenant.crm.directory.createRole(name: "x", permissions: [], scope: .own, by: actor) } == .permissionDenied(.usersManage))
        #expect(crmError { try tenant.crm.audit.entries(by: actor) } == .permissionDenied(.settingsManage))
        #expect(try tenant.crm.relationships.list(by: actor).map(\.name) == ["Mới", "Đã liên hệ", "Chốt"], "listing needs no permission")
        #expect(try tenant.crm.directory.user("mate", by: actor)?.department == "Sales", "reading users needs no permission")
    }

    @Test("a role change applies to the next call")
    func roleChangeTakesEffect() throws {
        let tenant = try TestTenant(actorPermissions: [.customersRead], actorScope: .own)
        let customer = try tenant.customer(owner: "outsider")
        #expect(try tenant.crm.customers.get(customer.id, by: .user("actor")) == nil)
        try tenant.crm.directory.updateRole(name: "tested", permissions: [.customersRead], scope: .all, by: tenant.admin)
        #expect(try tenant.crm.customers.get(customer.id, by: .user("actor")) != nil)
    }
}
