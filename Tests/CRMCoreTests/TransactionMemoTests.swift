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

    @Test("relationships renamed, moved or added inside a transaction are what the next customers get")
    func relationshipWritesInsideTransaction() throws {
        let tenant = try TestTenant()
        try tenant.crm.store.transaction { _ in
            #expect(try tenant.customer(relationship: nil).relationship == "Mới")   // the memo has the list now
            let new = try #require(try tenant.crm.relationships.list(by: tenant.admin).first { $0.name == "Mới" })
            try tenant.crm.relationships.update(new.id, name: "Mới tiếp nhận", by: tenant.admin)
            #expect(try tenant.customer(relationship: "Mới tiếp nhận").relationship == "Mới tiếp nhận")
            #expect(crmError { try tenant.customer(relationship: "Mới") } == .invalid(field: "relationship", reason: "unknown relationship \"Mới\""))
            let closed = try #require(try tenant.crm.relationships.list(by: tenant.admin).first { $0.name == "Chốt" })
            _ = try tenant.crm.relationships.move(closed.id, to: 1, by: tenant.admin)
            #expect(try tenant.customer(relationship: nil).relationship == "Chốt")
            _ = try tenant.crm.relationships.create(name: "Báo giá", by: tenant.admin)
            #expect(try tenant.customer(relationship: "Báo giá").relationship == "Báo giá")
        }
    }

    @Test("a user created inside a transaction can own the next customer, with its department")
    func userCreatedInsideTransaction() throws {
        let tenant = try TestTenant()
        try tenant.crm.store.transaction { _ in
            #expect(crmError { try tenant.customer(owner: "newbie") } == .invalid(field: "owner", reason: "unknown user \"newbie\""))
            try tenant.crm.directory.createDepartment(name: "Marketing", by: tenant.admin)
            try tenant.crm.directory.createUser(login: "newbie", department: "Marketing", role: "staff", by: tenant.admin)
            let customer = try tenant.customer(owner: "newbie")
            #expect(customer.owner == "newbie" && customer.department == "Marketing")
            #expect(try tenant.crm.customers.get(customer.id, by: tenant.admin) == customer)
        }
    }

    @Test("codes drawn inside a transaction follow on, and a code rolled back with its savepoint is drawn again")
    func countersInsideTransaction() throws {
        let tenant = try TestTenant()
        let codes: [String] = try tenant.crm.store.transaction { _ in
            var codes = [try tenant.customer().code, try tenant.customer().code]   // the second from the remembered value
            do {
                try tenant.crm.store.transaction { _ in
                    codes.append(try tenant.customer().code)
                    throw Refused()
                }
            } catch is Refused {}
            codes.append(try tenant.customer().code)
            return codes
        }
        #expect(codes == ["KH000001", "KH000002", "KH000003", "KH000003"])
        // A new transaction reads the counter the last one committed.
        #expect(try tenant.customer().code == "KH000004")
        #expect(try tenant.customerCount() == 4)
    }
}
