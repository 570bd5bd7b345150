import CRMCore
import CRMStore
import Foundation
import Testing

/// A fresh data folder under the system's temporary directory, removed afterwards.
func withDataFolder(_ body: (DataFolder, URL) throws -> Void) throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lantern-test-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: url) }
    try body(try DataFolder(path: url.path), url)
}

@Suite("SQLite store, data folder and tenant isolation")
struct StoreTests {
    @Test("one WAL-mode SQLite file per tenant beside a catalogue, durable across reopening")
    func filesAndDurability() throws {
        try withDataFolder { folder, url in
            let (crm, token) = try folder.createTenant("cong-ty-a", adminLogin: "admin")
            let created = try crm.customers.create(NewCustomer(name: "Đã liên hệ", relationship: "Đã liên hệ",
                                                               fields: ["n": .integer(42), "x": .double(0.1)]), by: .user("admin"))
            #expect(FileManager.default.fileExists(atPath: url.appendingPathComponent("catalogue.sqlite").path))
            #expect(FileManager.default.fileExists(atPath: url.appendingPathComponent("tenants/cong-ty-a.sqlite").path))
            #expect(FileManager.default.fileExists(atPath: url.appendingPathComponent("tenants/cong-ty-a.sqlite-wal").path), "WAL mode")

            // A second process would open the folder anew: do the same.
            let reopened = try DataFolder(path: url.path)
            let crmAgain = try reopened.tenant("cong-ty-a")
            let read = try #require(try crmAgain.customers.get(created.id, by: .user("admin")))
            #expect(read == created)
            #expect(Array(read.relationship.utf8) == Array("Đã liên hệ".utf8))
            #expect(try reopened.catalogue.authenticate(token).map { "\($0.tenant)/\($0.login)" } == "cong-ty-a/admin")
            #expect(crmAgain.timeZone.identifier == "Asia/Ho_Chi_Minh")
        }
    }

    @Test("tokens are long, URL-safe and stored only as digests")
    func tokens() throws {
        try withDataFolder { folder, url in
            let (_, token) = try folder.createTenant("acme", adminLogin: "boss")
            #expect(token.count >= 32)
            #expect(token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            let catalogueBytes = try Data(contentsOf: url.appendingPathComponent("catalogue.sqlite"))
                + ((try? Data(contentsOf: url.appendingPathComponent("catalogue.sqlite-wal"))) ?? Data())
            #expect(catalogueBytes.range(of: Data(token.utf8)) == nil, "the token itself is nowhere on disk")
            #expect(catalogueBytes.range(of: Data(APIToken.digest(token).utf8)) != nil)
            #expect(try folder.catalogue.authenticate(token + "x") == nil)
            #expect(try folder.catalogue.authenticate("") == nil)
        }
    }

    @Test("bad or taken slugs are refused and leave nothing behind", arguments: ["", "-x", "Acme", "a_b", "a b", "ä", String(repeating: "a", count: 64)])
    func badSlugs(_ slug: String) throws {
        try withDataFolder { (folder, url) throws in
            #expect(crmError { try folder.createTenant(slug, adminLogin: "admin") } != nil)
            #expect(try FileManager.default.contentsOfDirectory(atPath: url.appendingPathComponent("tenants").path).isEmpty)
            #expect(try folder.catalogue.tenants().isEmpty)
        }
    }

    @Test func takenSlugOrBadAdminLeavesTheFolderAsItWas() throws {
        try withDataFolder { folder, url in
            try folder.createTenant("acme", adminLogin: "boss")
            #expect(crmError { try folder.createTenant("acme", adminLogin: "other") } == .conflict("tenant \"acme\" already exists"))
            #expect(crmError { try folder.createTenant("beta", adminLogin: "có dấu") } != nil)
            #expect(try folder.catalogue.tenants().map(\.slug) == ["acme"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: url.appendingPathComponent("tenants").path).filter { $0.hasSuffix(".sqlite") }
                    == ["acme.sqlite"])
            #expect(try folder.tenant("acme").directory.users(by: .user("boss")).map(\.login) == ["boss"])
        }
    }

    @Test("nothing of tenant A is reachable from tenant B by any service")
    func tenantIsolation() throws {
        try withDataFolder { folder, _ in
            let a = try folder.createTenant("a", adminLogin: "admin").crm
            let b = try folder.createTenant("b", adminLogin: "admin").crm
            let admin = Identity.user("admin")
            try a.directory.createRole(name: "sales", permissions: [.customersRead], scope: .own, by: admin)
            try a.directory.createUser(login: "only-in-a", role: "sales", by: admin)
            let secret = try a.customers.create(NewCustomer(code: "SECRET", name: "Bí mật của A"), by: admin)
            let order = try a.orders.create(NewOrder(customer: secret.id, total: 10), by: admin)
            try a.notifications.notify("admin", "Chỉ cho A", by: admin)
            let relationship = try a.relationships.create(name: "Riêng A", by: admin)

            // Same ids, same admin login, in B: nothing of A shows.
            #expect(try b.customers.get(secret.id, by: admin) == nil)
            #expect(try b.customers.find(by: admin).isEmpty)
            #expect(try b.customers.find(CustomerQuery(conditions: [(.code, .equals(.string("SECRET")))], orderBy: .id), by: admin).isEmpty)
            #expect(try b.orders.get(order.id, by: admin) == nil)
            #expect(try b.orders.find(by: admin).isEmpty)
            #expect(try b.notifications.inbox(by: admin).isEmpty)
            #expect(try b.relationships.list(by: admin).map(\.name) == ["Mới", "Đã liên hệ", "Chốt"])
            #expect(try b.audit.entries(entity: "customer", by: admin).isEmpty)
            #expect(crmError { try b.customers.update(secret.id, CustomerPatch(name: "x"), by: admin) } == .notFound(entity: "customer", key: "\(secret.id)"))
            #expect(crmError { try b.customers.delete(secret.id, by: admin) } == .notFound(entity: "customer", key: "\(secret.id)"))
            #expect(crmError { try b.relationships.delete(relationship.id, by: admin) } == .notFound(entity: "relationship", key: "\(relationship.id)"))
            #expect(crmError { try b.orders.create(NewOrder(customer: secret.id, total: 1), by: admin) } == .notFound(entity: "customer", key: "\(secret.id)"))
            // A referrer from another tenant does not exist here.
            #expect(crmError { try b.customers.create(NewCustomer(name: "x", referrer: secret.id), by: admin) } == .notFound(entity: "customer", key: "\(secret.id)"))
            // A user of A cannot act in B.
            #expect(crmError { try b.customers.find(by: .user("only-in-a")) } == .notFound(entity: "user", key: "\"only-in-a\""))
            #expect(try a.customers.get(secret.id, by: admin)?.name == "Bí mật của A")
        }
    }

    @Test("a savepoint nested in a transaction rolls back alone")
    func nestedSavepoints() throws {
        let store = try SQLiteTenantStore.inMemory()
        struct Boom: Error {}
        try store.transaction { outer in
            try outer.setSetting("kept", "1")
            #expect(throws: Boom.self) {
                try store.transaction { inner in
                    try inner.setSetting("dropped", "1")
                    throw Boom()
                }
            }
            #expect(try outer.setting("dropped") == nil)
        }
        try store.transaction { (tx) throws in
            #expect(try tx.setting("kept") == "1")
            #expect(try tx.setting("dropped") == nil)
        }
    }
}
