import CRMCore
import CRMStore
import Testing

/// A new customer is checked whole before anything is written, so it runs inside a caller's
/// transaction without a savepoint of its own; a failure after its first write must then take
/// the whole transaction back, whoever catches the error.
@Suite("Changes checked before they write")
struct CheckFirstWriteTests {
    struct Refused: Error {}

    /// A subscriber that refuses the customer named `name`, as a failing store write would.
    private static func refusing(_ name: String, on crm: CRM) -> Int {
        crm.events.subscribe { event in
            if event.kind == .customerCreated, event.customer.name == name { throw Refused() }
        }
    }

    @Test("a customer refused inside a transaction writes nothing there, not even a drawn code")
    func refusedWritesNothing() throws {
        let tenant = try TestTenant()
        let created: Customer = try tenant.crm.store.transaction { _ in
            let refused = crmError {
                try tenant.crm.customers.create(NewCustomer(name: "Sai thư", email: "không-phải-thư"), by: tenant.admin)
            }
            #expect(refused == .invalid(field: "email", reason: "\"không-phải-thư\" is not an e-mail address"))
            return try tenant.customer("Đúng")
        }
        #expect(created.code == "KH000001", "the refused customer drew no code")
        #expect(try tenant.customerCount() == 1)
        #expect(try tenant.crm.audit.entries(entity: "customer", by: tenant.admin).count == 1)
    }

    @Test("a create that fails while writing dooms the transaction around it, even when its error is caught")
    func failureWhileWritingDoomsTransaction() throws {
        let tenant = try TestTenant()
        let token = Self.refusing("Hỏng", on: tenant.crm)
        defer { tenant.crm.events.unsubscribe(token) }
        var caught = false
        #expect(throws: Refused.self) {
            try tenant.crm.store.transaction { _ in
                do { try tenant.customer("Hỏng") } catch is Refused { caught = true }   // the caller carries on
                try tenant.customer("Tốt")
            }
        }
        #expect(caught)
        #expect(try tenant.customerCount() == 0, "neither the half-written customer nor the next one committed")
        #expect(try tenant.customer("Sau").code == "KH000001")
    }

    @Test("a savepoint rolled back around the failed create takes its writes and the doom with it")
    func savepointAroundFailureHeals() throws {
        let tenant = try TestTenant()
        let token = Self.refusing("Hỏng", on: tenant.crm)
        defer { tenant.crm.events.unsubscribe(token) }
        try tenant.crm.store.transaction { _ in
            let failed = Result { try tenant.crm.store.transaction { _ in try tenant.customer("Hỏng") } }
            #expect(throws: Refused.self) { try failed.get() }
            try tenant.customer("Tốt")
        }
        let names = try tenant.crm.customers.find(CustomerQuery(orderBy: .id), by: tenant.admin).map(\.name)
        #expect(names == ["Tốt"])
    }
}
