import CRMCore
import CRMStore
import Foundation
import Testing
@testable import PluginHost

/// The example plugins shipped in `plugins/demo`, loaded from the repository into the demo tenant.
@Suite("Demo plugins")
struct DemoPluginTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("plugins/demo")

    func demo() throws -> (CRM, PluginHost) {
        let crm = CRM(store: try SQLiteTenantStore.inMemory(), clock: ManualClock(start: 1_767_200_400))
        try crm.directory.bootstrap(adminLogin: "admin")
        try DemoTenant.populate(crm)
        let host = PluginHost(crm: crm, folder: Self.folder)
        return (crm, host)
    }

    @Test("every demo plugin loads")
    func allLoad() throws {
        let (_, host) = try demo()
        let statuses = host.loadAll()
        #expect(statuses.map(\.name) == ["care-again", "loyalty-points", "mark-buyer", "reclaim"])
        #expect(statuses.allSatisfy { $0.state == .loaded }, "\(statuses.compactMap(\.error))")
    }

    @Test("a sale marks the customer 'Đã mua hàng', earns points, and a promotion is announced")
    func saleAutomations() throws {
        let (crm, host) = try demo()
        host.loadAll()
        let an = Identity.user("an")
        let customer = try crm.customers.create(NewCustomer(name: "Phạm Minh Đức", phone: "0901234567"), by: an)
        let order = try crm.orders.create(NewOrder(customer: customer.id, lines: [OrderLine(product: "Gói Premium", quantity: 1, price: 15_000_000)]), by: an)
        let after = try #require(try crm.customers.get(customer.id, by: an))
        #expect(after.relationship == "Đã mua hàng")
        #expect(after.points == 150)
        #expect(after.fields["tier"] == .string("silver"))
        let message = "Phạm Minh Đức (\(customer.code)) is now Bạc with 150 points"
        #expect(try crm.notifications.inbox(by: an).map(\.message) == [message])
        #expect(try crm.notifications.inbox(by: .user("leader")).map(\.message).contains(message))
        let ledger = try crm.ledger.forCustomer(customer.id, by: .user("admin"))
        #expect(ledger.map(\.plugin).filter { $0 == "loyalty-points" || $0 == "mark-buyer" } == ["loyalty-points", "mark-buyer"])
        #expect(ledger.allSatisfy { $0.status == .ok }, "\(ledger.compactMap(\.error))")
        #expect(host.logs(of: "mark-buyer").last?.message == "Phạm Minh Đức (\(customer.code)) bought with \(order.code): Mới -> Đã mua hàng")
        // A purchase order is not a sale.
        let supplier = try crm.customers.create(NewCustomer(name: "Nhà cung cấp"), by: an)
        _ = try crm.orders.create(NewOrder(kind: .purchase, customer: supplier.id, total: 9_000_000), by: an)
        #expect(try crm.customers.get(supplier.id, by: an)?.relationship == "Mới")
    }

    @Test("a new customer nobody contacts is reclaimed after 2 days; a sale asks for care 30 days later")
    func scheduledAutomations() throws {
        let (crm, host) = try demo()
        host.loadAll()
        let clock = try #require(crm.clock as? ManualClock)
        let waiting = try crm.customers.create(NewCustomer(name: "Đặng Thu Trang"), by: .user("an"))
        let buyer = try crm.customers.create(NewCustomer(name: "Bùi Quốc Việt"), by: .user("binh"))
        _ = try crm.customers.setRelationship(buyer.id, to: "Đã liên hệ", by: .user("binh"))
        _ = try crm.orders.create(NewOrder(customer: buyer.id, total: 3_000_000), by: .user("binh"))
        clock.advance(by: 2 * 86_400)
        try host.runDueJobs(at: clock.now())
        #expect(try crm.customers.get(waiting.id, by: .user("admin"))?.owner == "binh")
        clock.advance(by: 28 * 86_400)
        try host.runDueJobs(at: clock.now())
        #expect(try crm.customers.get(waiting.id, by: .user("admin"))?.owner == "leader")
        #expect(try crm.customers.get(buyer.id, by: .user("admin"))?.relationship == "Cần chăm sóc lại")
        #expect(try crm.notifications.inbox(by: .user("binh")).contains { $0.message.contains("has not bought for 30 days") })
    }

    @Test("points given by staff promote as well")
    func staffPoints() throws {
        let (crm, host) = try demo()
        host.loadAll()
        let customer = try crm.customers.create(NewCustomer(name: "Võ Thị Lan"), by: .user("binh"))
        _ = try crm.customers.awardPoints(customer.id, 600, by: .user("leader"))
        #expect(try crm.customers.get(customer.id, by: .user("admin"))?.fields["tier"] == .string("gold"))
    }
}
