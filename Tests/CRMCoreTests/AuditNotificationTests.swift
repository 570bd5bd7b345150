import CRMCore
import Testing

@Suite("Audit log and notifications")
struct AuditNotificationTests {
    @Test("every change is audited with who, when, what, before and after")
    func auditLog() throws {
        let tenant = try TestTenant()
        let customer = try tenant.customer()
        tenant.clock.advance(by: 30)
        let plugin = Identity.plugin("mark-bought", runAs: "admin", permissions: [.customersUpdate])
        try tenant.crm.customers.setRelationship(customer.id, to: "Chốt", by: plugin)
        try tenant.crm.customers.delete(customer.id, by: tenant.admin)
        let history = try tenant.crm.audit.entries(entity: "customer", by: tenant.admin)
        #expect(history.map(\.action) == ["customer.create", "customer.update", "customer.delete"])
        #expect(history[0].before == nil && history[0].after?["name"] == .string("Nguyễn Gia Khương"))
        #expect(history[1].actor == "plugin:mark-bought" && history[1].source == .plugin && history[1].at == TestTenant.start + 30)
        #expect(history[1].before?["relationship"] == .string("Mới") && history[1].after?["relationship"] == .string("Chốt"))
        #expect(history[2].after == nil && history[2].actor == "admin")
        let relationship = try tenant.crm.relationships.create(name: "Báo giá", by: tenant.admin)
        try tenant.crm.relationships.move(relationship.id, to: 1, by: tenant.admin)
        #expect(try tenant.crm.audit.entries(entity: "relationship", by: tenant.admin).map(\.action) == ["relationship.create", "relationship.move"])
        #expect(try tenant.crm.audit.entries(entity: "user", by: tenant.admin).count == 5, "bootstrap and four users")
    }

    @Test("a customer's history is readable by whoever may read the customer")
    func customerHistoryFollowsScope() throws {
        let tenant = try TestTenant(actorPermissions: [.customersRead], actorScope: .own)
        let mine = try tenant.customer(owner: "actor")
        let others = try tenant.customer(owner: "outsider")
        #expect(try tenant.crm.audit.customerHistory(mine.id, by: .user("actor")).count == 1)
        #expect(crmError { try tenant.crm.audit.customerHistory(others.id, by: .user("actor")) } == .notFound(entity: "customer", key: "\(others.id)"))
    }

    @Test func inboxes() throws {
        let tenant = try TestTenant()
        try tenant.crm.notifications.notify("actor", "Khách KH000001 chưa được liên hệ", by: .plugin("auto-reclaim", runAs: "admin", permissions: []))
        tenant.clock.advance(by: 10)
        let second = try tenant.crm.notifications.notify("actor", "Họp lúc 9h", by: .user("mate"))
        let inbox = try tenant.crm.notifications.inbox(by: .user("actor"))
        #expect(inbox.map(\.sender) == ["plugin:auto-reclaim", "mate"])
        #expect(inbox.map(\.message) == ["Khách KH000001 chưa được liên hệ", "Họp lúc 9h"])
        #expect(inbox.allSatisfy { $0.readAt == nil })
        #expect(try tenant.crm.notifications.inbox(by: .user("mate")).isEmpty)
        #expect(crmError { try tenant.crm.notifications.markRead(second.id, by: .user("mate")) } == .notFound(entity: "notification", key: "\(second.id)"))
        #expect(try tenant.crm.notifications.markRead(second.id, by: .user("actor")).readAt == TestTenant.start + 10)
        #expect(try tenant.crm.notifications.inbox(unreadOnly: true, by: .user("actor")).map(\.message) == ["Khách KH000001 chưa được liên hệ"])
        #expect(crmError { try tenant.crm.notifications.notify("ghost", "hi", by: tenant.admin) } == .invalid(field: "login", reason: "unknown user \"ghost\""))
        #expect(crmError { try tenant.crm.notifications.notify("actor", " ", by: tenant.admin) } == .invalid(field: "message", reason: "must not be empty"))
    }

    @Test func directoryRules() throws {
        let tenant = try TestTenant()
        #expect(crmError { try tenant.crm.directory.createUser(login: "mate", role: "staff", by: tenant.admin) }
                == .conflict("a user with login \"mate\" already exists"))
        #expect(crmError { try tenant.crm.directory.createUser(login: "có dấu", role: "staff", by: tenant.admin) } != nil)
        #expect(crmError { try tenant.crm.directory.createUser(login: "new", role: "ghost", by: tenant.admin) }
                == .invalid(field: "role", reason: "unknown role \"ghost\""))
        #expect(crmError { try tenant.crm.directory.createDepartment(name: "X", parent: "Ghost", by: tenant.admin) }
                == .invalid(field: "department", reason: "unknown department \"Ghost\""))
        #expect(crmError { try tenant.crm.directory.bootstrap(adminLogin: "again") } == .conflict("the tenant is already set up"))
        #expect(try tenant.crm.directory.users(by: tenant.admin).map(\.login) == ["admin", "actor", "mate", "junior", "outsider"])
        #expect(try tenant.crm.directory.user("junior", by: tenant.admin) == UserInfo(login: "junior", name: "junior", department: "Sales HN", role: "staff"))
        #expect(try Permission.parse(["*"]) == Set(Permission.allCases))
        #expect(crmError { try Permission.parse(["customers.read", "customers.fly"]) } == .invalid(field: "permissions", reason: "unknown permission \"customers.fly\""))
    }
}
