import CRMCore
import Testing

@Suite("Relationships (mối quan hệ)")
struct RelationshipTests {
    private func names(_ tenant: TestTenant) throws -> [String] {
        try tenant.crm.relationships.list(by: tenant.admin).map(\.name)
    }

    @Test func createRenameRecolorAndOrder() throws {
        let tenant = try TestTenant()
        let quote = try tenant.crm.relationships.create(name: "Báo giá", color: "#ffb300", description: "Đã gửi báo giá", by: tenant.admin)
        #expect(quote.position == 4)
        #expect(quote.color == "#FFB300")
        #expect(try names(tenant) == ["Mới", "Đã liên hệ", "Chốt", "Báo giá"])
        let renamed = try tenant.crm.relationships.update(quote.id, name: "Đã báo giá", color: "#00FF00", by: tenant.admin)
        #expect(renamed.name == "Đã báo giá" && renamed.color == "#00FF00" && renamed.description == "Đã gửi báo giá")
        let cleared = try tenant.crm.relationships.update(quote.id, description: .some(nil), by: tenant.admin)
        #expect(cleared.description == nil)
    }

    @Test func moveToAPositionKeepsTheOthersInOrder() throws {
        let tenant = try TestTenant()
        let list = try tenant.crm.relationships.list(by: tenant.admin)
        let order = try tenant.crm.relationships.move(list[2].id, to: 1, by: tenant.admin)
        #expect(order.map(\.name) == ["Chốt", "Mới", "Đã liên hệ"])
        #expect(order.map(\.position) == [1, 2, 3])
        #expect(try names(tenant) == ["Chốt", "Mới", "Đã liên hệ"])
        try tenant.crm.relationships.move(list[2].id, to: 3, by: tenant.admin)
        #expect(try names(tenant) == ["Mới", "Đã liên hệ", "Chốt"])
        #expect(crmError { try tenant.crm.relationships.move(list[0].id, to: 4, by: tenant.admin) }
                == .invalid(field: "position", reason: "must be between 1 and 3 (got 4)"))
        #expect(crmError { try tenant.crm.relationships.move(list[0].id, to: 0, by: tenant.admin) } != nil)
    }

    @Test func customersWithoutARelationshipGetTheFirst() throws {
        let tenant = try TestTenant()
        #expect(try tenant.customer().relationship == "Mới")
        let list = try tenant.crm.relationships.list(by: tenant.admin)
        try tenant.crm.relationships.move(list[1].id, to: 1, by: tenant.admin)
        #expect(try tenant.customer("Sau khi đổi thứ tự").relationship == "Đã liên hệ")
    }

    @Test func theFirstRelationshipCanBeRenamedButNeverDeleted() throws {
        let tenant = try TestTenant()
        let first = try tenant.crm.relationships.list(by: tenant.admin)[0]
        let error = crmError { try tenant.crm.relationships.delete(first.id, by: tenant.admin) }
        #expect(error?.description == "relationship \"Mới\" is the first relationship and cannot be deleted; rename or move it instead")
        if case .ruleRefused = error {} else { Issue.record("expected a rule refusal, got \(String(describing: error))") }
        try tenant.crm.relationships.update(first.id, name: "Khách mới", by: tenant.admin)
        #expect(try names(tenant) == ["Khách mới", "Đã liên hệ", "Chốt"])
    }

    @Test func deletingNeedsSettingsManageAndNoCustomerHoldingIt() throws {
        let tenant = try TestTenant(actorPermissions: [.customersRead])
        let closed = try tenant.crm.relationships.list(by: tenant.admin)[2]
        #expect(crmError { try tenant.crm.relationships.delete(closed.id, by: .user("actor")) } == .permissionDenied(.settingsManage))

        let customer = try tenant.customer(relationship: "Chốt")
        try tenant.crm.customers.delete(customer.id, by: tenant.admin)
        let error = crmError { try tenant.crm.relationships.delete(closed.id, by: tenant.admin) }
        #expect(error == .ruleRefused("relationship \"Chốt\" is still used by 1 customer(s), deleted ones included; move them first"),
                "a soft-deleted customer still holds it")
        #expect(try names(tenant) == ["Mới", "Đã liên hệ", "Chốt"])

        try tenant.crm.customers.restore(customer.id, by: tenant.admin)
        try tenant.crm.customers.setRelationship(customer.id, to: "Mới", by: tenant.admin)
        try tenant.crm.relationships.delete(closed.id, by: tenant.admin)
        #expect(try names(tenant) == ["Mới", "Đã liên hệ"])
        #expect(try tenant.crm.relationships.list(deleted: true, by: tenant.admin).map(\.name) == ["Chốt"])
        #expect(crmError { try tenant.crm.customers.setRelationship(customer.id, to: "Chốt", by: tenant.admin) }
                == .invalid(field: "relationship", reason: "unknown relationship \"Chốt\""))
    }

    @Test func restoreGoesToTheEndAndRefusesATakenName() throws {
        let tenant = try TestTenant()
        let contacted = try tenant.crm.relationships.list(by: tenant.admin)[1]
        try tenant.crm.relationships.delete(contacted.id, by: tenant.admin)
        #expect(try names(tenant) == ["Mới", "Chốt"])
        #expect(try tenant.crm.relationships.list(by: tenant.admin).map(\.position) == [1, 2])
        let restored = try tenant.crm.relationships.restore(contacted.id, by: tenant.admin)
        #expect(restored.position == 3)
        #expect(try names(tenant) == ["Mới", "Chốt", "Đã liên hệ"])

        try tenant.crm.relationships.delete(contacted.id, by: tenant.admin)
        try tenant.crm.relationships.create(name: "Đã liên hệ", by: tenant.admin)
        #expect(crmError { try tenant.crm.relationships.restore(contacted.id, by: tenant.admin) }
                == .conflict("a relationship named \"Đã liên hệ\" already exists; rename it before restoring"))
        #expect(crmError { try tenant.crm.relationships.restore(9999, by: tenant.admin) } == .notFound(entity: "deleted relationship", key: "9999"))
    }

    @Test func badNamesAndColorsAreRefused() throws {
        let tenant = try TestTenant()
        #expect(crmError { try tenant.crm.relationships.create(name: "   ", by: tenant.admin) } == .invalid(field: "name", reason: "must not be empty"))
        #expect(crmError { try tenant.crm.relationships.create(name: String(repeating: "ệ", count: 34), by: tenant.admin) }
                == .invalid(field: "name", reason: "must be at most 100 bytes of UTF-8 (got 102)"))
        #expect(crmError { try tenant.crm.relationships.create(name: "Mới", by: tenant.admin) } == .conflict("a relationship named \"Mới\" already exists"))
        #expect(crmError { try tenant.crm.relationships.create(name: "Xanh", color: "green", by: tenant.admin) }
                == .invalid(field: "color", reason: "must be a #RRGGBB color (got \"green\")"))
        #expect(try names(tenant) == ["Mới", "Đã liên hệ", "Chốt"], "nothing was written")
    }

    @Test("names in another Unicode form are the same name, stored in NFC")
    func unicodeNormalisation() throws {
        let tenant = try TestTenant()
        let decomposed = "Đã liên hệ".decomposedStringWithCanonicalMapping
        #expect(Array(decomposed.utf8) != Array("Đã liên hệ".utf8))
        let customer = try tenant.customer(relationship: decomposed)
        #expect(Array(customer.relationship.utf8) == Array("Đã liên hệ".utf8))
        #expect(crmError { try tenant.crm.relationships.create(name: decomposed, by: tenant.admin) } != nil)
    }
}
