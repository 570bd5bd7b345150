import CRMCore
import Testing

@Suite("Customers: fields, codes, events, bulk changes, trash")
struct CustomerTests {
    @Test func everySnapshotFieldRoundTrips() throws {
        let tenant = try TestTenant()
        let referrer = try tenant.customer("Người giới thiệu")
        let customer = try tenant.crm.customers.create(NewCustomer(
            code: "VIP-01", name: "  Nguyễn Gia Khương ", phone: "0901 234 567", email: "khuong@example.vn",
            relationship: "Đã liên hệ", owner: .user("mate"), viewers: ["junior"], sharedWith: ["outsider", "junior"],
            referrer: referrer.id, points: 15, source: "Facebook",
            fields: ["tỉnh": .string("Hà Nội"), "hạng": .integer(2), "điểm_tb": .double(4.5), "vip": .bool(true), "one": .double(1.0)]),
            by: tenant.admin)
        #expect(customer.code == "VIP-01")
        #expect(customer.name == "Nguyễn Gia Khương")
        #expect(customer.phone == "0901 234 567" && customer.email == "khuong@example.vn")
        #expect(customer.relationship == "Đã liên hệ")
        #expect(customer.owner == "mate" && customer.department == "Sales")
        #expect(customer.viewers == ["junior"] && customer.sharedWith == ["junior", "outsider"])
        #expect(customer.referrer == referrer.id && customer.points == 15 && customer.source == "Facebook")
        #expect(customer.createdAt == TestTenant.start && customer.updatedAt == TestTenant.start && customer.lastOrderAt == nil)
        #expect(customer.fields == ["tỉnh": .string("Hà Nội"), "hạng": .integer(2), "điểm_tb": .double(4.5), "vip": .bool(true), "one": .double(1.0)])
        #expect(try tenant.crm.customers.get(customer.id, by: tenant.admin) == customer, "read back from SQLite exactly")
    }

    @Test("absent values are nil, never empty strings")
    func emptyMeansAbsent() throws {
        let tenant = try TestTenant()
        let customer = try tenant.crm.customers.create(NewCustomer(name: "Khách", phone: "", email: "  ", source: ""), by: tenant.admin)
        #expect(customer.phone == nil && customer.email == nil && customer.source == nil)
        #expect(customer.points == 0 && customer.fields.isEmpty && customer.viewers.isEmpty)
        let cleared = try tenant.crm.customers.update(try tenant.customer(owner: "admin").id, CustomerPatch(phone: .some(""), owner: .some(nil)),
                                                      by: tenant.admin)
        #expect(cleared.phone == nil && cleared.owner == nil && cleared.department == nil)
    }

    @Test func codesAreGeneratedAndUnique() throws {
        let tenant = try TestTenant()
        #expect(try tenant.customer().code == "KH000001")
        try tenant.crm.customers.create(NewCustomer(code: "KH000002", name: "Mã tay"), by: tenant.admin)
        #expect(try tenant.customer().code == "KH000003", "a generated code skips one already taken")
        let error = crmError { try tenant.crm.customers.create(NewCustomer(code: "KH000001", name: "Trùng"), by: tenant.admin) }
        #expect(error == .conflict("customer code \"KH000001\" is already used"))
        #expect(try tenant.customerCount() == 3, "the duplicate wrote nothing")
    }

    @Test("bad input: each a clear error and no partial write", arguments: [
        (NewCustomer(name: ""), CRMError.invalid(field: "name", reason: "must not be empty")),
        (NewCustomer(name: String(repeating: "a", count: 201)), .invalid(field: "name", reason: "must be at most 200 bytes of UTF-8 (got 201)")),
        (NewCustomer(code: "KH 1", name: "x"), .invalid(field: "code", reason: "must not contain spaces (got \"KH 1\")")),
        (NewCustomer(name: "x", relationship: "Không có"), .invalid(field: "relationship", reason: "unknown relationship \"Không có\"")),
        (NewCustomer(name: "x", owner: .user("ghost")), .invalid(field: "owner", reason: "unknown user \"ghost\"")),
        (NewCustomer(name: "x", viewers: ["ghost"]), .invalid(field: "viewers", reason: "unknown user \"ghost\"")),
        (NewCustomer(name: "x", email: "not-an-email"), .invalid(field: "email", reason: "\"not-an-email\" is not an e-mail address")),
        (NewCustomer(name: "x", phone: "call me"), .invalid(field: "phone", reason: "\"call me\" is not a phone number")),
        (NewCustomer(name: "x", points: -1), .invalid(field: "points", reason: "must not be negative (got -1)")),
        (NewCustomer(name: "x", referrer: 4242), .notFound(entity: "customer", key: "4242")),
        (NewCustomer(name: "x", fields: ["n": .double(.nan)]), .invalid(field: "fields.n", reason: "must be a finite number")),
        (NewCustomer(name: "x", fields: ["": .bool(true)]), .invalid(field: "fields", reason: "must not be empty")),
    ])
    func badInput(_ input: NewCustomer, _ expected: CRMError) throws {
        let tenant = try TestTenant()
        let before = try tenant.customerCount()
        let events = tenant.events {
            #expect(crmError { try tenant.crm.customers.create(input, by: tenant.admin) } == expected)
        }
        #expect(events.isEmpty)
        #expect(try tenant.customerCount() == before)
        #expect(try tenant.crm.audit.entries(entity: "customer", by: tenant.admin).isEmpty)
    }

    @Test("a single relationship change fires events; a bulk change fires none but is audited")
    func singleVersusBulk() throws {
        let tenant = try TestTenant()
        let first = try tenant.customer("Một")
        let second = try tenant.customer("Hai")
        let single = try tenant.events { try tenant.crm.customers.setRelationship(first.id, to: "Đã liên hệ", by: tenant.admin) }
        #expect(single.map(\.kind) == [.customerUpdated, .relationshipChanged])
        #expect(single[1].from == .string("Mới") && single[1].to == .string("Đã liên hệ"))
        #expect(single[0].changes.keys.sorted() == ["relationship"])
        #expect(single[0].before?.relationship == "Mới" && single[0].customer.relationship == "Đã liên hệ")
        #expect(single[0].actor.label == "admin" && single[0].at == TestTenant.start)

        tenant.clock.advance(by: 60)
        var changed = 0
        let bulk = try tenant.events {
            changed = try tenant.crm.customers.bulkSetRelationship([first.id, second.id, second.id], to: "Chốt", by: tenant.admin)
        }
        #expect(changed == 2)
        #expect(bulk.isEmpty)
        #expect(try tenant.crm.customers.find(by: tenant.admin).map(\.relationship) == ["Chốt", "Chốt"])
        let audit = try tenant.crm.audit.entries(entity: "customer", by: tenant.admin).filter { $0.action == "customer.bulk_relationship" }
        #expect(audit.map(\.entityId) == [first.id, second.id])
        #expect(audit[0].before?["relationship"] == .string("Đã liên hệ") && audit[0].after?["relationship"] == .string("Chốt"))
        #expect(audit[0].at == TestTenant.start + 60)
    }

    @Test("a bulk change is all or nothing")
    func bulkIsAtomic() throws {
        let tenant = try TestTenant(actorScope: .own)
        let mine = try tenant.customer(owner: "actor")
        let viewed = try tenant.customer(owner: "outsider", viewers: ["actor"])
        #expect(crmError { try tenant.crm.customers.bulkSetRelationship([mine.id, viewed.id], to: "Chốt", by: .user("actor")) }
                == .permissionDenied(.customersUpdate))
        #expect(try tenant.crm.customers.get(mine.id, by: tenant.admin)?.relationship == "Mới")
    }

    @Test func pointsReferrerAndFieldChangesFireTheirEvents() throws {
        let tenant = try TestTenant()
        let referrer = try tenant.customer("Giới thiệu")
        let customer = try tenant.customer("Khách")
        let events = try tenant.events {
            try tenant.crm.customers.update(customer.id, CustomerPatch(points: 50, referrer: .some(referrer.id),
                                                                       fields: ["hạng": .string("vàng")]), by: tenant.admin)
        }
        #expect(events.map(\.kind) == [.customerUpdated, .pointsChanged, .customerReferred])
        #expect(events[0].changes["points"] == FieldChange(from: .integer(0), to: .integer(50)))
        #expect(events[0].changes["fields"]?.to == .object(["hạng": .string("vàng")]))
        #expect(events[1].from == .integer(0) && events[1].to == .integer(50))
        #expect(events[2].referrer?.id == referrer.id)

        let merged = try tenant.crm.customers.update(customer.id, CustomerPatch(fields: ["tỉnh": .string("Huế"), "hạng": nil]), by: tenant.admin)
        #expect(merged.fields == ["tỉnh": .string("Huế")], "custom fields merge; nil removes one")

        let unchanged = try tenant.events { try tenant.crm.customers.update(customer.id, CustomerPatch(name: "Khách"), by: tenant.admin) }
        #expect(unchanged.isEmpty, "an edit that changes nothing fires nothing")
    }

    @Test("reward points are awarded and redeemed, never below zero")
    func rewardPoints() throws {
        let tenant = try TestTenant()
        let customer = try tenant.customer()
        var balances: [Int64] = []
        let events = try tenant.events {
            balances.append(try tenant.crm.customers.awardPoints(customer.id, 120, by: tenant.admin).points)
            balances.append(try tenant.crm.customers.awardPoints(customer.id, -20, by: tenant.admin).points)
        }
        #expect(balances == [120, 100])
        #expect(events.map(\.kind) == [.customerUpdated, .pointsChanged, .customerUpdated, .pointsChanged])
        #expect(events[3].from == .integer(120) && events[3].to == .integer(100))
        #expect(crmError { try tenant.crm.customers.awardPoints(customer.id, -101, by: tenant.admin) }
                == .invalid(field: "points", reason: "cannot take 101 points from a balance of 100"))
        #expect(try tenant.crm.customers.get(customer.id, by: tenant.admin)?.points == 100)
    }

    @Test func createFiresCreatedAndReferred() throws {
        let tenant = try TestTenant()
        let referrer = try tenant.customer("Giới thiệu")
        let events = try tenant.events { _ = try tenant.customer("Mới đến", referrer: referrer.id) }
        #expect(events.map(\.kind) == [.customerCreated, .customerReferred])
        #expect(events[0].customer.name == "Mới đến" && events[0].actor.source == .api)
    }

    @Test("events are published inside the transaction of the change")
    func eventsShareTheTransaction() throws {
        let tenant = try TestTenant()
        let seen = EventRecorder()
        let crm = tenant.crm
        let admin = tenant.admin
        // A subscriber calling back into the services (as plugin hooks will) sees the change...
        let token = crm.events.subscribe { event in
            if event.kind == .customerCreated, let fresh = try crm.customers.get(event.customer.id, by: admin) {
                seen.append(event)
                try crm.customers.update(fresh.id, CustomerPatch(points: 7), by: .plugin("welcome", runAs: "admin", permissions: [.customersUpdate]))
            }
        }
        let created = try tenant.customer("Khách")
        #expect(seen.events.count == 1)
        #expect(try crm.customers.get(created.id, by: admin)?.points == 7, "the subscriber's write committed with the change")
        crm.events.unsubscribe(token)

        // ...and a subscriber that fails takes the whole change back with it.
        struct Refusal: Error {}
        let failing = crm.events.subscribe { _ in throw Refusal() }
        #expect(throws: Refusal.self) { try tenant.customer("Không lưu") }
        crm.events.unsubscribe(failing)
        #expect(try tenant.customerCount() == 1)
    }

    @Test func ownerViewersAndShares() throws {
        let tenant = try TestTenant()
        let customer = try tenant.customer(owner: "actor")
        var updated = try tenant.crm.customers.assign(customer.id, to: "mate", by: tenant.admin)
        #expect(updated.owner == "mate" && updated.department == "Sales")
        updated = try tenant.crm.customers.addViewer(customer.id, "junior", by: tenant.admin)
        updated = try tenant.crm.customers.addViewer(customer.id, "junior", by: tenant.admin)
        #expect(updated.viewers == ["junior"])
        updated = try tenant.crm.customers.share(customer.id, with: ["outsider", "actor"], by: tenant.admin)
        #expect(updated.sharedWith == ["actor", "outsider"])
        updated = try tenant.crm.customers.unshare(customer.id, from: ["actor"], by: tenant.admin)
        updated = try tenant.crm.customers.removeViewer(customer.id, "junior", by: tenant.admin)
        #expect(updated.sharedWith == ["outsider"] && updated.viewers.isEmpty)
        #expect(crmError { try tenant.crm.customers.assign(customer.id, to: "ghost", by: tenant.admin) }
                == .invalid(field: "owner", reason: "unknown user \"ghost\""))
    }

    @Test("soft delete hides a customer everywhere until it is restored")
    func trash() throws {
        let tenant = try TestTenant()
        let customer = try tenant.customer()
        tenant.clock.advance(by: 5)
        try tenant.crm.customers.delete(customer.id, by: tenant.admin)
        #expect(try tenant.crm.customers.get(customer.id, by: tenant.admin) == nil)
        #expect(try tenant.crm.customers.find(by: tenant.admin).isEmpty)
        #expect(crmError { try tenant.crm.customers.update(customer.id, CustomerPatch(name: "x"), by: tenant.admin) }
                == .notFound(entity: "customer", key: "\(customer.id)"))
        let trash = try tenant.crm.customers.find(CustomerQuery(orderBy: .id, deleted: true), by: tenant.admin)
        #expect(trash.map(\.id) == [customer.id] && trash[0].deletedAt == TestTenant.start + 5)
        #expect(crmError { try tenant.crm.customers.delete(customer.id, by: tenant.admin) } == .notFound(entity: "customer", key: "\(customer.id)"))
        let restored = try tenant.crm.customers.restore(customer.id, by: tenant.admin)
        #expect(restored.deletedAt == nil && restored.code == customer.code)
        #expect(try tenant.crm.customers.get(customer.id, by: tenant.admin) != nil)
        #expect(crmError { try tenant.crm.customers.restore(customer.id, by: tenant.admin) } == .notFound(entity: "customer", key: "\(customer.id)"))
        try tenant.crm.customers.delete(customer.id, by: tenant.admin)
        #expect(crmError { try tenant.crm.customers.create(NewCustomer(code: customer.code, name: "Trùng mã"), by: tenant.admin) }
                == .conflict("customer code \"\(customer.code)\" is already used"), "a deleted customer's code stays taken")
    }

    @Test func filtersOrderAndLimit() throws {
        let tenant = try TestTenant()
        for index in 1...5 {
            tenant.clock.advance(by: 10)
            try tenant.crm.customers.create(NewCustomer(name: "Khách \(index)", relationship: index % 2 == 0 ? "Chốt" : "Mới",
                                                        owner: .user(index <= 2 ? "mate" : "admin"), points: Int64(index * 10)), by: tenant.admin)
        }
        let find = { (query: CustomerQuery) in try tenant.crm.customers.find(query, by: tenant.admin).map(\.name) }
        #expect(try find(CustomerQuery(conditions: [(.relationship, .equals(.string("Chốt")))], orderBy: .id)) == ["Khách 2", "Khách 4"])
        #expect(try find(CustomerQuery(conditions: [(.points, .greaterOrEqual(.integer(30)))], orderBy: .points, descending: true))
                == ["Khách 5", "Khách 4", "Khách 3"])
        #expect(try find(CustomerQuery(conditions: [(.owner, .anyOf([.string("mate")]))], orderBy: .id)) == ["Khách 1", "Khách 2"])
        #expect(try find(CustomerQuery(conditions: [(.department, .equals(.string("Sales")))], orderBy: .id)) == ["Khách 1", "Khách 2"])
        #expect(try find(CustomerQuery(conditions: [(.owner, .noneOf([.string("mate")])), (.points, .lessOrEqual(.integer(40)))], orderBy: .id))
                == ["Khách 3", "Khách 4"])
        #expect(try find(CustomerQuery(orderBy: .createdAt, descending: true, limit: 2)) == ["Khách 5", "Khách 4"])
        #expect(try find(CustomerQuery(orderBy: .id, limit: 2, offset: 2)) == ["Khách 3", "Khách 4"])
        #expect(try find(CustomerQuery(conditions: [(.lastOrderAt, .isNull)], orderBy: .id)).count == 5)
        #expect(crmError { try find(CustomerQuery(conditions: [(.name, .equals(.array([])))], orderBy: .id)) }
                == .invalid(field: "filter.name", reason: "must be a string, number or boolean"))
    }
}
