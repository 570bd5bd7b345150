import CRMCore
import Foundation

/// The data folder: `catalogue.sqlite` plus one `tenants/<slug>.sqlite` per tenant.
/// One file per tenant keeps one company's slow writer from holding another's, and makes a
/// company's backup one file (design.md, "One database per tenant").
///
/// ```swift
/// let data = try DataFolder(path: "./lantern-data")
/// let (crm, token) = try data.createTenant("demo", adminLogin: "admin")
/// ```
public final class DataFolder: @unchecked Sendable {
    /// The folder holding the databases.
    public let url: URL
    public let catalogue: Catalogue
    private let clock: any Clock
    private let lock = NSLock()
    private var open: [String: CRM] = [:]

    /// Opens the data folder at `path`, creating it (and the catalogue) when missing.
    public init(path: String, clock: any Clock = SystemClock()) throws {
        url = URL(fileURLWithPath: path, isDirectory: true)
        try FileManager.default.createDirectory(at: url.appendingPathComponent("tenants"), withIntermediateDirectories: true)
        catalogue = try Catalogue(path: url.appendingPathComponent("catalogue.sqlite").path)
        self.clock = clock
    }

    /// Checks a tenant slug: `[a-z0-9][a-z0-9-]*`, at most 63 characters.
    public static func validateSlug(_ slug: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard let first = slug.first, first != "-", slug.count <= 63, slug.allSatisfy(allowed.contains) else {
            throw CRMError.invalid(field: "tenant", reason: "\"\(slug)\" is not a tenant slug: use [a-z0-9][a-z0-9-]*, at most 63 characters")
        }
    }

    /// The database file of tenant `slug`.
    public func databasePath(of slug: String) -> String {
        url.appendingPathComponent("tenants").appendingPathComponent("\(slug).sqlite").path
    }

    /// Creates tenant `slug` with its admin user (role `admin`: every permission, scope `all`) and
    /// the default relationships. Returns the tenant's CRM and the admin's API token.
    public func createTenant(_ slug: String, adminLogin: String, timeZone: String = "Asia/Ho_Chi_Minh") throws -> (crm: CRM, token: String) {
        try Self.validateSlug(slug)
        guard let zone = TimeZone(identifier: timeZone) else {
            throw CRMError.invalid(field: "time_zone", reason: "unknown time zone \"\(timeZone)\"")
        }
        if try catalogue.tenant(slug) != nil { throw CRMError.conflict("tenant \"\(slug)\" already exists") }
        let path = databasePath(of: slug)
        if FileManager.default.fileExists(atPath: path) {
            throw CRMError.conflict("a database for tenant \"\(slug)\" already exists at \(path) but the catalogue does not list it; move it away first")
        }
        do {
            let crm = CRM(store: try SQLiteTenantStore(path: path), clock: clock, timeZone: zone)
            let admin = try crm.directory.bootstrap(adminLogin: adminLogin)
            try crm.store.transaction { try $0.setSetting("time_zone", timeZone) }
            let token = try catalogue.addTenant(slug, createdAt: clock.now(), timeZone: timeZone, adminLogin: admin.login)
            lock.withLock { open[slug] = crm }
            return (crm, token)
        } catch {
            // Leave nothing half-made behind: the tenant either exists whole or not at all.
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            throw error
        }
    }

    /// Closes every open tenant database and the catalogue (at shutdown, once nothing runs).
    public func close() throws {
        let stores = lock.withLock { open.values.compactMap { $0.store as? SQLiteTenantStore } }
        for store in stores { try store.close() }
        try catalogue.close()
    }

    /// The CRM of an existing tenant, opened once and shared.
    public func tenant(_ slug: String) throws -> CRM {
        try Self.validateSlug(slug)
        if let crm = lock.withLock({ open[slug] }) { return crm }
        guard let record = try catalogue.tenant(slug) else { throw CRMError.notFound(entity: "tenant", key: "\"\(slug)\"") }
        let crm = CRM(store: try SQLiteTenantStore(path: databasePath(of: slug)), clock: clock,
                      timeZone: TimeZone(identifier: record.timeZone) ?? CRM.defaultTimeZone)
        return lock.withLock {
            if let existing = open[slug] { return existing }
            open[slug] = crm
            return crm
        }
    }
}
