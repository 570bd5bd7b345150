import CRMCore
import Foundation
import LuaRuntime

/// One `lt.tenant{...}` of a spec (plugin-api.md section 10): a fresh CRM on a fresh store with a
/// clock only the spec moves, its fixtures, and the plugins under test loaded by a real host.
final class TestTenant {
    /// The hidden user behind `t.customers` (the unrestricted view) and the fixtures.
    static let systemLogin = "lantern-test"
    /// 2026-01-01T00:00:00+07:00, where every tenant's clock starts unless told otherwise.
    static let defaultStart: Int64 = 1_767_200_400

    let crm: CRM
    let clock: ManualClock
    let host: PluginHost
    let system = Identity.user(TestTenant.systemLogin)

    /// Builds the tenant from the `lt.tenant{}` table; `pluginFolder` is the plugin under test.
    init(spec: LuaTable, pluginFolder: URL, store: any TenantStore) throws {
        let start = try Self.integer(spec["now"], "now") ?? Self.defaultStart
        clock = ManualClock(start: start)
        crm = CRM(store: store, clock: clock)
        let relationships = try Self.strings(spec["relationships"], "relationships") ?? DirectoryService.defaultRelationships
        try crm.directory.bootstrap(adminLogin: Self.systemLogin, adminRole: Self.systemLogin, relationships: relationships)

        if case .table(let departments) = spec["departments"] {
            for item in departments.sequence ?? [] {
                guard case .table(let department) = item, case .string(let name) = department["name"] else {
                    throw BindingError("lt.tenant: departments is an array of {name = ..., parent = ...}")
                }
                try crm.directory.createDepartment(name: name, parent: department["parent"].string, by: system)
            }
        }
        var roles: [(String, LuaTable)] = [("admin", LuaTable(fields: ["permissions": "*", "scope": "all"]))]
        if case .table(let given) = spec["roles"] {
            roles = try given.entries.map { key, value in
                guard case .string(let name) = key, case .table(let role) = value else {
                    throw BindingError("lt.tenant: roles maps a role name to {permissions = ..., scope = ...}")
                }
                return (name, role)
            }.sorted { $0.0 < $1.0 }
        }
        for (name, role) in roles {
            let permissions: Set<Permission>
            switch role["permissions"] {
            case .string("*"): permissions = Set(Permission.allCases)
            case .nil_: permissions = []
            default: permissions = try Permission.parse(try Self.strings(role["permissions"], "roles.\(name).permissions") ?? [],
                                                        field: "roles.\(name).permissions")
            }
            let scope = try Scope(rawValue: role["scope"].string ?? "own")
                ?? { throw BindingError("lt.tenant: roles.\(name).scope must be own, department or all") }()
            try crm.directory.createRole(name: name, permissions: permissions, scope: scope, by: system)
        }

        let pluginPaths = try Self.strings(spec["plugins"], "plugins") ?? ["."]
        let folders = pluginPaths.map { pluginFolder.appendingPathComponent($0).standardizedFileURL }
        host = PluginHost(crm: crm, folder: pluginFolder.deletingLastPathComponent())

        var users: [LuaTable] = []
        if case .table(let given) = spec["users"] {
            for item in given.sequence ?? [] {
                guard case .table(let user) = item else { throw BindingError("lt.tenant: users is an array of {login = ..., role = ...}") }
                users.append(user)
            }
        } else {
            // One admin user named after the run_as of the plugins under test.
            var logins: [String] = []
            for folder in folders {
                if let login = (try? PluginBundle.read(from: folder))?.manifest.runAs, !logins.contains(login) { logins.append(login) }
            }
            users = logins.map { LuaTable(fields: ["login": .string($0), "role": "admin"]) }
        }
        for user in users {
            guard case .string(let login) = user["login"] else { throw BindingError("lt.tenant: every user needs a login") }
            try crm.directory.createUser(login: login, name: user["name"].string, department: user["department"].string,
                                         role: user["role"].string ?? "admin", by: system)
        }

        if case .table(let config) = spec["config"], let first = folders.first {
            let underTest = folders.first { $0.path == pluginFolder.standardizedFileURL.path } ?? first
            host.configOverrides[underTest.lastPathComponent] = config
        }
        for folder in folders {
            let status = host.load(folder: folder)
            if status.state != .loaded {
                throw SpecLoadError("lt.tenant: plugin \(folder.path) could not be loaded: \(status.error ?? "unknown error")")
            }
        }
    }

    // MARK: The clock

    /// Moves the clock forward by `seconds`, running every job that falls due on the way, in due
    /// order, each at its `due_at` (jobs scheduled meanwhile too); then sets the clock to the target.
    /// The most jobs one `t.clock:advance` may run: a job that reschedules itself every second
    /// would otherwise make `advance{days = 365}` run for hours inside one host call, out of
    /// reach of the spec's time limit.
    static let maximumJobsPerAdvance = 100_000

    func advance(by seconds: Int64) throws {
        let target = clock.now() + seconds
        var ran = 0
        while let job = try crm.jobs.nextDue(at: target, skipping: host.waitingPlugins()) {
            guard ran < Self.maximumJobsPerAdvance else {
                throw BindingError("t.clock:advance: more than \(Self.maximumJobsPerAdvance) jobs fell due; does a job reschedule itself? (advance by less)")
            }
            ran += 1
            clock.set(max(clock.now(), job.dueAt))
            try host.runNextDueJob(at: clock.now())
        }
        clock.set(target)
    }

    // MARK: What a spec reads back

    func ledger(_ customer: Int64) throws -> LuaValue {
        let entries = try crm.ledger.forCustomer(customer, by: system)
        return .table(LuaTable(array: entries.map { entry in
            .table(LuaTable(fields: [
                "at": .integer(entry.at), "plugin": .string(entry.plugin), "version": .string(entry.version),
                "hook": .string(entry.hook), "status": .string(entry.status.rawValue),
                "error": entry.error.map(LuaValue.string) ?? .nil_, "duration_ms": .number(entry.durationMilliseconds),
                "changes": LuaSnapshots.changes(entry.changes[customer] ?? [:]),
            ]))
        }))
    }

    func logs() -> LuaValue {
        .table(LuaTable(array: host.allLogs().map { line in
            .table(LuaTable(fields: ["at": .integer(line.at), "plugin": .string(line.plugin), "level": .string(line.level),
                                     "message": .string(line.message)]))
        }))
    }

    func notifications(_ login: String) throws -> LuaValue {
        let inbox = try crm.notifications.inbox(by: .user(login)).sorted { $0.id < $1.id }
        return .table(LuaTable(array: inbox.map { notification in
            let plugin = notification.sender.hasPrefix("plugin:") ? LuaValue.string(String(notification.sender.dropFirst(7))) : .nil_
            return .table(LuaTable(fields: ["at": .integer(notification.at), "plugin": plugin, "from": .string(notification.sender),
                                            "message": .string(notification.message)]))
        }))
    }

    func jobs() throws -> LuaValue {
        .table(LuaTable(array: try crm.jobs.jobs(status: .pending).map { job in
            .table(LuaTable(fields: ["id": .integer(job.id), "plugin": .string(job.plugin), "key": job.key.map(LuaValue.string) ?? .nil_,
                                     "handler": .string(job.handler), "due_at": .integer(job.dueAt)]))
        }))
    }

    // MARK: Reading the fixtures

    static func integer(_ value: LuaValue, _ key: String) throws -> Int64? {
        switch value {
        case .nil_: return nil
        case .integer(let number): return number
        default: throw BindingError("lt.tenant: '\(key)' must be an integer (epoch seconds), got \(value.typeName)")
        }
    }

    static func strings(_ value: LuaValue, _ key: String) throws -> [String]? {
        if value == .nil_ { return nil }
        guard case .table(let table) = value, let items = table.sequence else {
            throw BindingError("lt.tenant: '\(key)' must be an array of strings")
        }
        return try items.map { item in
            guard case .string(let text) = item else { throw BindingError("lt.tenant: '\(key)' must be an array of strings") }
            return text
        }
    }
}

/// A plugin or spec that could not be loaded (exit status 2 of `lantern plugin test`).
struct SpecLoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
