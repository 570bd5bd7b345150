import CRMCore
import Testing

@Suite("Orders, revenue and referrals")
struct OrderReferralTests {
    @Test func aSaleSetsLastOrderAtAndFiresOrderCreated() throws {
        let tenant = try TestTenant()
        let customer = try tenant.customer()
        tenant.clock.advance(by: 3_600)
        let events = try tenant.events {
            let order = try tenant.crm.orders.create(NewOrder(kind: .sale, customer: customer.id, lines: [
                OrderLine(product: "SKU-1", quantity: 2, price: 150_000),
                OrderLine(product: "Phí vận chuyển", quantity: 0.5, price: 30_000),
            ]), by: tenant.admin)
            #expect(order.code == "DH000001" && order.total == 315_000 && order.status == .new && order.createdBy == "admin")
            #expect(try tenant.crm.orders.get(order.id, by: tenant.admin) == order)
            #expect(order.snapshot["lines"] == .array([
                .object(["product": .string("SKU-1"), "quantity": .integer(2), "price": .integer(150_000)]),
                .object(["product": .string("Phí vận chuyển"), "quantity": .double(0.5), "price": .integer(30_000)]),
            ]))
        }
        #expect(events.map(\.kind) == [.orderCreated])
        #expect(events[0].order?.total == 315_000 && events[0].customer.lastOrderAt == TestTenant.start + 3_600)

        tenant.clock.advance(by: 60)
        try tenant.crm.orders.create(NewOrder(kind: .purchase, customer: customer.id, total: 99), by: tenant.admin)
        #expect(try tenant.crm.customers.get(customer.id, by: tenant.admin)?.lastOrderAt == TestTenant.start + 3_600,
                "a purchase is not a sale")
    }

    @Test("bad orders are refused and write nothing", arguments: [
        (NewOrder(customer: 999, total: 1), CRMError.notFound(entity: "customer", key: "999")),
        (NewOrder(customer: 1, lines: [OrderLine(product: "", quantity: 1, price: 1)]), .invalid(field: "lines[1].product", reason: "must not be empty")),
        (NewOrder(customer: 1, lines: [OrderLine(product: "x", quantity: 0, price: 1)]), .invalid(field: "lines[1].quantity", reason: "must be a positive number (got 0.0)")),
        (NewOrder(customer: 1, lines: [OrderLine(product: "x", quantity: 1, price: -5)]), .invalid(field: "lines[1].price", reason: "must not be negative (got -5)")),
        (NewOrder(customer: 1, total: -1), .invalid(field: "total", reason: "must not be negative (got -1)")),
    ])
    func badOrders(_ input: NewOrder, _ expected: CRMError) throws {
        let tenant = try TestTenant()
        _ = try tenant.customer()
        #expect(crmError { try tenant.crm.orders.create(input, by: tenant.admin) } == expected)
        #expect(try tenant.crm.orders.find(by: tenant.admin).isEmpty)
        #expect(try tenant.crm.customers.get(1, by: tenant.admin)?.lastOrderAt == nil)
    }

    @Test func duplicateOrderCodesConflict() throws {
        let tenant = try TestTenant()
        let customer = try tenant.customer()
        try tenant.crm.orders.create(NewOrder(code: "HD-1", customer: customer.id, total: 1), by: tenant.admin)
        #expect(crmError { try tenant.crm.orders.create(NewOrder(code: "HD-1", customer: customer.id, total: 1), by: tenant.admin) }
                == .conflict("order code \"HD-1\" is already used"))
    }

    @Test("revenue per year counts sales in the tenant's time zone, not cancelled ones or purchases")
    func revenueByYear() throws {
        let tenant = try TestTenant()
        let customer = try tenant.customer()
        let sell = { (total: Int64, kind: OrderKind, status: OrderStatus) in
            try tenant.crm.orders.create(NewOrder(kind: kind, customer: customer.id, total: total, status: status), by: tenant.admin)
        }
        tenant.clock.set(1_767_200_400 - 1)   // 2025-12-31T23:59:59+07:00
        try sell(100, .sale, .completed)
        tenant.clock.set(1_767_200_400)       // 2026-01-01T00:00:00+07:00 (still 2025 in UTC)
        try sell(200, .sale, .new)
        try sell(400, .sale, .cancelled)
        try sell(800, .purchase, .completed)
        tenant.clock.advance(by: 86_400 * 200)
        try sell(1_000, .sale, .approved)
        #expect(try tenant.crm.orders.revenueByYear(customer: customer.id, by: tenant.admin)
                == [YearRevenue(year: 2025, total: 100, orders: 1), YearRevenue(year: 2026, total: 1_200, orders: 2)])
    }

    @Test("the referral tree lists each referred customer with relationship, revenue and created date")
    func referralTree() throws {
        let tenant = try TestTenant(actorScope: .own)
        let root = try tenant.customer("Gốc", owner: "actor")
        tenant.clock.advance(by: 100)
        let child = try tenant.customer("Con", owner: "actor", relationship: "Chốt", referrer: root.id)
        let hidden = try tenant.customer("Con của người khác", owner: "outsider", referrer: root.id)
        tenant.clock.advance(by: 100)
        let grandchild = try tenant.customer("Cháu", owner: "actor", referrer: child.id)
        try tenant.crm.orders.create(NewOrder(customer: child.id, total: 500, status: .completed), by: tenant.admin)
        try tenant.crm.orders.create(NewOrder(customer: child.id, total: 70, status: .cancelled), by: tenant.admin)

        let full = try tenant.crm.customers.referrals(of: root.id, by: tenant.admin)
        #expect(full.map(\.id) == [child.id, hidden.id])
        #expect(full[0] == ReferralNode(id: child.id, code: child.code, name: "Con", relationship: "Chốt", createdAt: TestTenant.start + 100,
                                        revenue: 500, depth: 1, referred: [
            ReferralNode(id: grandchild.id, code: grandchild.code, name: "Cháu", relationship: "Mới", createdAt: TestTenant.start + 200,
                         revenue: 0, depth: 2, referred: []),
        ]))
        let scoped = try tenant.crm.customers.referrals(of: root.id, by: .user("actor"))
        #expect(scoped.map(\.id) == [child.id], "customers out of reach are left out")
    }

    @Test("a referrer must exist in the tenant, be visible and make no cycle")
    func referrerRules() throws {
        let tenant = try TestTenant(actorScope: .own)
        let a = try tenant.customer("A", owner: "actor")
        let b = try tenant.customer("B", owner: "actor", referrer: a.id)
        #expect(crmError { try tenant.crm.customers.update(a.id, CustomerPatch(referrer: .some(b.id)), by: tenant.admin) }
                == .invalid(field: "referrer", reason: "customer \(b.id) would make a referral cycle"))
        #expect(crmError { try tenant.crm.customers.update(a.id, CustomerPatch(referrer: .some(a.id)), by: tenant.admin) }
                == .invalid(field: "referrer", reason: "customer \(a.id) would make a referral cycle"))
        let foreign = try tenant.customer("Người ngoài", owner: "outsider")
        #expect(crmError { try tenant.crm.customers.update(a.id, CustomerPatch(referrer: .some(foreign.id)), by: .user("actor")) }
                == .notFound(entity: "customer", key: "\(foreign.id)"))
        #expect(try tenant.crm.customers.get(a.id, by: tenant.admin)?.referrer == nil)
    }
}
