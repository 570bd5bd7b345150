import CRMCore
import CRMStore
import Testing

/// Who an identity is, resolved once per top-level transaction, is never reused once stale.
@Suite("Transaction memo")
struct TransactionMemoTests {
    struct Refused: Error {}

    @Test("a role changed inside a transaction holds for the calls after it in that transaction")
    func roleChangeInsideTransaction() throws {
        let tenant = try TestTenant(actorPermissions: [.customersRead], actorScope: .all)
        let actor = Identity.user("actor")
        try tenant.crm.store.transaction { _ in
            #expect(crmError { try tenant.crm.customers.create(NewCustomer(name: "Trước"), by: actor) } == .permissionDenied(.customersCreate))
            try tenant.crm.directory.updateRole(name: "tested", permissions: [.customersRead, .customersCreate], scope: .all, by: tenant.admin)
            let created = try tenant.crm.customers.create(NewCustomer(name: "Sau"), by: actor)
            #expect(created.name == "Sau")
        }
    }

    @Test("a role change rolled back with its savepoint is forgotten with it")
    func rolledBackRoleChange() throws {
        let tenant = try TestTenant(actorPermissions: [.customersRead], actorScope: .all)
        let actor = Identity.user("actor")
        try tenant.crm.store.transaction { _ in
            #expect(throws: Refused.self) {
                try tenant.crm.store.transaction { _ in
                    try tenant.crm.directory.updateRole(name: "tested", permissions: [.customersRead, .customersCreate], scope: .all, by: tenant.admin)
                    _ = try tenant.crm.customers.create(NewCustomer(name: "Trong"), by: actor)   // resolved with the new role
                    throw Refused()
                }
            }
            #expect(crmError { try tenant.crm.customers.create(NewCustomer(name: "Sau"), by: actor) } == .permissionDenied(.customersCreate))
        }
        #expect(try tenant.customerCount() == 0)
    }
}
