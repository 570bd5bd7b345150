import CRMCore
import CRMStore
import Foundation

/// A temporary folder for one measurement's databases and plugins, removed when released.
final class BenchWorkspace {
    let url: URL

    init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("lantern-bench-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// A demo tenant (the seed CRMs' relationships, users `an`, `binh`, `leader`, `automation`)
    /// in a durable SQLite file of its own data folder `name`.
    func demoTenant(_ name: String) throws -> (crm: CRM, databasePath: String) {
        let folder = try DataFolder(path: url.appendingPathComponent(name).path)
        return (try DemoTenant.seed(in: folder).crm, folder.databasePath(of: DemoTenant.slug))
    }

    /// A tenant in memory with only its `admin`: for measurements that need a CRM to load plugins
    /// into but not its data.
    static func adminOnlyTenant() throws -> CRM {
        let crm = CRM(store: try SQLiteTenantStore.inMemory(), clock: SystemClock())
        try crm.directory.bootstrap(adminLogin: "admin")
        return crm
    }

    /// Writes plugin `name` (a version 1.0.0 manifest with `run_as`, `permissions` and the `extra`
    /// TOML lines, and its main.lua) into the plugins folder `tenant`; returns that tenant folder.
    @discardableResult
    func writePlugin(tenant: String, name: String, runAs: String = "admin", permissions: [String] = ["customers.read"],
                     extra: String = "", main: String) throws -> URL {
        let manifest = """
            name = "\(name)"
            version = "1.0.0"
            run_as = "\(runAs)"
            permissions = [\(permissions.map { "\"\($0)\"" }.joined(separator: ", "))]
            \(extra)
            """
        let tenantFolder = url.appendingPathComponent("plugins").appendingPathComponent(tenant)
        let folder = tenantFolder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(manifest.utf8).write(to: folder.appendingPathComponent("plugin.toml"))
        try Data(main.utf8).write(to: folder.appendingPathComponent("main.lua"))
        return tenantFolder
    }

    /// Copies the named plugins out of `source` (a tenant's plugins folder) into plugins folder `tenant`.
    func copyPlugins(_ names: [String], from source: URL, tenant: String) throws -> URL {
        let tenantFolder = url.appendingPathComponent("plugins").appendingPathComponent(tenant)
        try FileManager.default.createDirectory(at: tenantFolder, withIntermediateDirectories: true)
        for name in names {
            let from = source.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: from.appendingPathComponent("plugin.toml").path) else {
                throw BenchError("example plugin '\(name)' not found in \(source.path) (run from the repository, or pass --plugins)")
            }
            try FileManager.default.copyItem(at: from, to: tenantFolder.appendingPathComponent(name))
        }
        return tenantFolder
    }
}

/// Why a measurement could not be made.
public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
