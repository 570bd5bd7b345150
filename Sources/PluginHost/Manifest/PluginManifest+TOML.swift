import CRMCore
import Foundation
import LuaRuntime
import TOMLKit

extension PluginManifest {
    /// Parses and validates the text of a `plugin.toml` at `file` (the path is only for messages).
    /// Whether `run_as` names a user of the tenant is checked when the plugin loads.
    public static func parse(_ text: String, file: String, ceilings: PluginLimits = .ceilings) throws -> PluginManifest {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ManifestError(file: file, key: nil, problem: "not valid TOML: \(error.description)", line: error.source.begin.line)
        }
        let reader = ManifestReader(file: file, table: table, prefix: "")
        try reader.refuseUnknownKeys(["name", "version", "description", "run_as", "permissions", "enabled", "limits", "config"])

        let name = try reader.requiredString("name")
        guard name.range(of: #"^[a-z0-9-]+$"#, options: .regularExpression) != nil else {
            throw reader.error("name", "must be made of a-z, 0-9 and '-', got \"\(name)\"")
        }
        let version = try reader.requiredString("version")
        let semver = #"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"#
        guard version.range(of: semver, options: .regularExpression) != nil else {
            throw reader.error("version", "must be a semantic version such as \"1.2.0\", got \"\(version)\"")
        }
        let runAs = try reader.requiredString("run_as")
        guard let permissionNames = table["permissions"] else { throw reader.error("permissions", "is missing (it may be [])") }
        guard let permissionArray = permissionNames.array else { throw reader.error("permissions", "must be an array of permission names") }
        var permissions: Set<Permission> = []
        for item in permissionArray {
            guard let text = item.string else { throw reader.error("permissions", "must be an array of permission names") }
            guard let permission = Permission(rawValue: text) else {
                let known = Permission.allCases.map(\.rawValue).joined(separator: ", ")
                throw reader.error("permissions", "unknown permission \"\(text)\" (known: \(known))")
            }
            permissions.insert(permission)
        }

        // Defaults never exceed the tenant's ceilings; only values asked for explicitly are refused.
        var limits = PluginLimits(timeMilliseconds: min(100, ceilings.timeMilliseconds),
                                  memoryMegabytes: min(32, ceilings.memoryMegabytes), logLines: min(200, ceilings.logLines))
        if let limitsValue = table["limits"] {
            guard let limitsTable = limitsValue.table else { throw reader.error("limits", "must be a table") }
            let limitsReader = ManifestReader(file: file, table: limitsTable, prefix: "limits.")
            try limitsReader.refuseUnknownKeys(["time_ms", "memory_mb", "log_lines"])
            limits.timeMilliseconds = try limitsReader.integer("time_ms", default: limits.timeMilliseconds, in: 1...ceilings.timeMilliseconds)
            limits.memoryMegabytes = try limitsReader.integer("memory_mb", default: limits.memoryMegabytes, in: 1...ceilings.memoryMegabytes)
            limits.logLines = try limitsReader.integer("log_lines", default: limits.logLines, in: 0...ceilings.logLines)
        }

        var config = LuaTable()
        if let configValue = table["config"] {
            guard let configTable = configValue.table else { throw reader.error("config", "must be a table") }
            config = Self.luaTable(configTable)
        }
        return PluginManifest(name: name, version: version, description: try reader.optionalString("description"),
                              runAs: runAs, permissions: permissions, enabled: try reader.bool("enabled", default: true),
                              limits: limits, config: config)
    }

    /// TOML values as Lua sees them: integers stay integers; dates and times become strings.
    private static func luaValue(_ value: any TOMLValueConvertible) -> LuaValue {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .integer(Int64(value.int ?? 0))
        case .double: return .number(value.double ?? 0)
        case .bool: return .boolean(value.bool ?? false)
        case .array: return .table(LuaTable(array: (value.array.map { Array($0) } ?? []).map(luaValue)))
        case .table: return value.table.map { .table(luaTable($0)) } ?? .nil_
        default: return .string(value.debugDescription)
        }
    }

    private static func luaTable(_ table: TOMLTable) -> LuaTable {
        var fields: [String: LuaValue] = [:]
        for key in table.keys { if let value = table[key] { fields[key] = luaValue(value) } }
        return LuaTable(fields: fields)
    }
}

/// Reads typed keys of one manifest table, with errors that name the file and the key.
private struct ManifestReader {
    let file: String
    let table: TOMLTable
    let prefix: String

    func error(_ key: String, _ problem: String) -> ManifestError {
        ManifestError(file: file, key: prefix + key, problem: problem)
    }

    func refuseUnknownKeys(_ known: Set<String>) throws {
        for key in table.keys.sorted() where !known.contains(key) {
            throw error(key, "unknown key (known keys: \(known.sorted().joined(separator: ", ")))")
        }
    }

    func requiredString(_ key: String) throws -> String {
        guard let value = table[key] else { throw error(key, "is missing") }
        guard let text = value.string else { throw error(key, "must be a string, got \(value.type)") }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw error(key, "must not be empty") }
        return text
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw error(key, "must be a string, got \(value.type)") }
        return text
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let value = table[key] else { return fallback }
        guard let flag = value.bool else { throw error(key, "must be true or false, got \(value.type)") }
        return flag
    }

    func integer(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let value = table[key] else { return fallback }
        guard value.type == .int, let number = value.int else { throw error(key, "must be an integer, got \(value.type)") }
        guard range.contains(number) else { throw error(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)") }
        return number
    }
}
