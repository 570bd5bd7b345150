import CRMCore
import CRMStore
import Testing

/// `CRM.deliveringEventsAfter` holds a run of changes' events back and delivers them, in order,
/// when the run ends, inside the same transaction: a rolled-back change's event is never
/// delivered, a failed run delivers nothing, and what the subscribers write meanwhile publishes
/// at once.
@Suite("Events: delivered after a run of changes")
struct DeliveringEventsAfterTests {
    /// What a subscriber saw, a line per event: its kind and customer name and (from `watch`)
    /// how many customers the CRM held when it got it.
    typealias Deliveries = Recorder<String>

    func watch(_ tenant: TestTenant, _ deliveries: Deliveries) -> Int {
        tenant.crm.events.subscribe { event in
            deliveries.append("\(event.kind.rawValue) \(event.customer.name) of \(try tenant.customerCount())")
        }
    }

    @Test("events wait until the run ends, then come in publishing order, inside the transaction")
    func heldUntilTheRunEnds() throws {
        let tenant = try TestTenant()
        let deliveries = Deliveries()
        _ = watch(tenant, deliveries)
        try tenant.crm.store.transaction { tx in
            try tenant.crm.deliveringEventsAfter(in: tx) {
                let first = try tenant.customer("Một")
                try tenant.customer("Hai")
                _ = try tenant.crm.customers.update(first.id, CustomerPatch(name: "Một (sửa)"), by: tenant.admin)
                #expect(deliveries.items.isEmpty, "nothing is delivered during the run")
            }
            #expect(deliveries.items.count == 3, "delivered before the transaction ends")
        }
        // The first event's snapshot is the customer as created; every delivery saw the whole run.
        #expect(deliveries.items == ["customer_created Một of 2", "customer_created Hai of 2", "customer_updated Một (sửa) of 2"])
        // Outside a run, delivery is immediate again.
        try tenant.customer("Ba")
        #expect(deliveries.items.last == "customer_created Ba of 3")
    }

    @Test("a change rolled back in a savepoint has its event dropped; a failed run delivers nothing")
    func rolledBackEventsAreDropped() throws {
        struct Refused: Error {}
        let tenant = try TestTenant()
        let deliveries = Deliveries()
        _ = watch(tenant, deliveries)
        try tenant.crm.store.transaction { tx in
            try tenant.crm.deliveringEventsAfter(in: tx) {
                try tenant.customer("Giữ lại 1")
                #expect(throws: Refused.self) {
                    try tx.savepoint {
                        try tenant.customer("Bỏ đi")
                        throw Refused()
                    }
                }
                try tenant.customer("Giữ lại 2")
            }
        }
        #expect(deliveries.items == ["customer_created Giữ lại 1 of 2", "customer_created Giữ lại 2 of 2"])

        #expect(throws: Refused.self) {
            try tenant.crm.store.transaction { tx in
                try tenant.crm.deliveringEventsAfter(in: tx) {
                    try tenant.customer("Không bao giờ")
                    throw Refused()
                }
            }
        }
        #expect(deliveries.items.count == 2, "\(deliveries.items)")
        #expect(try tenant.customerCount() == 2)
    }

    @Test("what a subscriber writes while held events are delivered publishes at once")
    func subscriberWritesAreDeliveredAtOnce() throws {
        let tenant = try TestTenant()
        let deliveries = Deliveries()
        let crm = tenant.crm
        let admin = tenant.admin
        _ = crm.events.subscribe { event in
            deliveries.append("\(event.kind.rawValue) \(event.customer.name)")
            if event.kind == .customerCreated {
                _ = try crm.customers.update(event.customer.id, CustomerPatch(name: event.customer.name + " (đã xem)"), by: admin)
            }
        }
        try crm.store.transaction { tx in
            try crm.deliveringEventsAfter(in: tx) {
                try tenant.customer("A")
                try tenant.customer("B")
            }
        }
        #expect(deliveries.items == ["customer_created A", "customer_updated A (đã xem)",
                                     "customer_created B", "customer_updated B (đã xem)"])
    }
}
