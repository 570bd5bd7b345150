import CRMCore
import CRMStore
import Foundation
import LuaRuntime
@testable import PluginHost

/// A real tenant (in-memory SQLite, a clock tests move) with a plugins folder on disk and a host.
///
///     users: admin (all), automation (role automation: everything, scope all), an, binh (role sales: own)
///     relationships: Mới, Đã liên hệ, Chốt, Đã mua hàng
final class PluginFixture {
    let crm: CRM
    let clock = ManualClock(start: 1_767_200_400)
    let root: URL
    let folder: URL
    let admin = Identity.user("admin")
    private(set) lazy var host = PluginHost(crm: crm, folder: folder)

    /// A fresh tenant, in memory unless `databasePath` names a SQLite file.
    init(tenant: String = "acme", databasePath: String? = nil) throws {
        let store = try databasePath.map { try SQLiteTenantStore(path: $0) } ?? SQLiteTenantStore.inMemory()
        crm = CRM(store: store, clock: clock)
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lantern-plugins-\(UUID().uuidString)")
        folder = root.appendingPathComponent(tenant)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A reopened database is set up already.
        guard try crm.store.transaction({ tx in try tx.users().isEmpty }) else { return }
        try crm.directory.bootstrap(adminLogin: "admin")
        try crm.directory.createRole(name: "automation", permissions: Set(Permission.allCases), scope: .all, by: admin)
        try crm.directory.createRole(name: "sales", permissions: [.customersRead, .customersCreate, .customersUpdate, .ordersCreate, .ordersRead],
                                     scope: .own, by: admin)
        try crm.directory.createUser(login: "automation", role: "automation", by: admin)
        try crm.directory.createUser(login: "an", role: "sales", by: admin)
        try crm.directory.createUser(login: "binh", role: "sales", by: admin)
        _ = try crm.relationships.create(name: "Đã mua hàng", by: admin)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Writes a plugin folder; `manifest` is appended to the required keys.
    @discardableResult
    func write(_ name: String, main: String, permissions: String = #"["customers.read", "customers.update", "customers.assign", "customers.share", "orders.read"]"#,
               runAs: String = "automation", manifest: String = "", version: String = "1.0.0", lib: [String: String] = [:]) throws -> URL {
        let plugin = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: plugin.appendingPathComponent("lib"), withIntermediateDirectories: true)
        try """
            name = "\(name)"
            version = "\(version)"
            run_as = "\(runAs)"
            permissions = \(permissions)
            \(manifest)
            """.write(to: plugin.appendingPathComponent("plugin.toml"), atomically: true, encoding: .utf8)
        try main.write(to: plugin.appendingPathComponent("main.lua"), atomically: true, encoding: .utf8)
        for (path, text) in lib {
            let file = plugin.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        return plugin
    }

    /// Creates a customer as `login`.
    @discardableResult
    func customer(_ name: String = "Nguyễn Gia Khương", by login: String = "admin", owner: String? = nil,
                  relationship: String? = nil) throws -> Customer {
        try crm.customers.create(NewCustomer(name: name, relationship: relationship, owner: owner.map(OwnerChoice.user) ?? .user(login)),
                                 by: .user(login))
    }

    /// The customer as it is now, unrestricted.
    func current(_ id: Int64) throws -> Customer {
        guard let customer = try crm.customers.get(id, by: admin) else { throw CRMError.notFound(entity: "customer", key: "\(id)") }
        return customer
    }

    func ledger(_ customer: Int64) throws -> [LedgerEntry] { try crm.ledger.forCustomer(customer, by: admin) }

    func messages(_ plugin: String) -> [String] { host.logs(of: plugin).map(\.message) }
}
