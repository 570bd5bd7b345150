import CRMCore
import LuaRuntime

/// The global `crm` of plugin-api.md section 4: every call goes through the CRMCore services as
/// the plugin's `run_as` user, with the permissions both its manifest and that user's role grant.
/// The table and everything in it are read-only.
enum CRMBindings {
    /// How deep plugin writes may cascade (plugin-api.md section 3).
    static let maximumCascadeDepth = 8

    static let updatableFields: Set<String> = ["name", "phone", "email", "relationship", "owner", "points", "referrer", "source", "fields"]
    static let logLevels: Set<String> = ["debug", "info", "warn", "error"]

    static func install(in lua: LuaState, for plugin: PluginInstance) throws {
        let crm = plugin.crm

        /// A function that reads the CRM as the invocation's identity.
        func reader(_ name: String, _ body: @escaping (LuaArguments, Identity) throws -> [LuaValue]) -> LuaValue {
            lua.register { [unowned plugin] values in
                let arguments = LuaArguments(function: name, values: values)
                return try body(arguments, try identity(of: plugin, calling: name))
            }
        }
        /// A function that changes the CRM: refused past the cascade depth.
        func writer(_ name: String, _ body: @escaping (LuaArguments, Identity) throws -> [LuaValue]) -> LuaValue {
            lua.register { [unowned plugin] values in
                let arguments = LuaArguments(function: name, values: values)
                let identity = try identity(of: plugin, calling: name)
                if let invocation = plugin.invocation, invocation.depth >= maximumCascadeDepth {
                    throw BindingError("\(name): cascade depth exceeded: this write would fire hooks \(invocation.depth + 1) levels deep, and plugin writes may cascade at most \(maximumCascadeDepth)")
                }
                return try body(arguments, identity)
            }
        }
        /// A table of `crm.<group>.<name>` functions over `CRMCalls`, writers refused past the cascade depth.
        func group(_ group: String, _ names: [String]) -> LuaValue {
            .table(LuaTable(fields: Dictionary(uniqueKeysWithValues: names.map { name in
                let call = "\(group).\(name)"
                let wrap = CRMCalls.writes.contains(call) ? writer : reader
                return (name, wrap("crm.\(call)") { args, who in try CRMCalls.perform(call, args, as: who, crm: crm) })
            })))
        }
        let customers = group("customers", ["get", "find", "update", "set_relationship", "assign", "add_viewer", "share"])
        let relationships = group("relationships", ["list"])
        let orders = group("orders", ["get", "find"])
        let users = group("users", ["get"])
        let notify = reader("crm.notify") { args, who in try CRMCalls.perform("notify", args, as: who, crm: crm) }
        let now = lua.register { _ in [.integer(crm.clock.now())] }
        let log = lua.register { [unowned plugin] values in
            let arguments = LuaArguments(function: "crm.log", values: values)
            var level = "info"
            var messageIndex = 0
            if values.count >= 2 {
                level = try arguments.string(0)
                guard level.utf8.count <= 5, logLevels.contains(level) else {
                    throw BindingError("crm.log: unknown level \"\(level)\" (levels: debug, info, warn, error)")
                }
                messageIndex = 1
            }
            let message: String = switch arguments[messageIndex] {
            case .string(let text): text
            case .integer(let number): String(number)
            case .number(let number): String(number)
            default: throw arguments.bad(messageIndex, "string")
            }
            plugin.write(level, message)
            return []
        }
        var fields: [String: LuaValue] = [
            "customers": customers, "relationships": relationships, "orders": orders, "users": users,
            "notify": notify, "now": now, "log": log, "config": .table(plugin.manifest.config),
        ]
        fields.merge(JobBindings.functions(in: lua, for: plugin)) { first, _ in first }
        try lua.setGlobal("crm", .table(LuaTable(fields: fields)), readOnly: true)
    }

    /// The identity of the running invocation, whose store call comes next (its savepoint opens
    /// first: `InvocationWrites`); data calls outside one (in main.lua's body) are refused.
    static func identity(of plugin: PluginInstance, calling name: String) throws -> Identity {
        let invocation = try running(plugin, calling: name)
        try invocation.writes.enter()
        return invocation.identity
    }

    /// The running invocation; data calls outside one (in main.lua's body) are refused.
    static func running(_ plugin: PluginInstance, calling name: String) throws -> Invocation {
        guard let invocation = plugin.invocation else {
            throw BindingError("\(name) is only available inside a hook or job handler, not while main.lua loads")
        }
        return invocation
    }

    /// The fields of `crm.customers.update` (errors name `function`); any other key is an error.
    static func patch(_ fields: LuaTable, function: String = "crm.customers.update") throws -> CustomerPatch {
        var patch = CustomerPatch()
        for (key, value) in fields.entries {
            guard case .string(let name) = key, updatableFields.contains(name) else {
                throw BindingError("\(function): unknown field \(key.string.map { "'\($0)'" } ?? "key") (fields: \(updatableFields.sorted().joined(separator: ", ")))")
            }
            func text() throws -> String {
                guard case .string(let text) = value else { throw BindingError("\(function): '\(name)' must be a string, got \(value.typeName)") }
                return text
            }
            func integer() throws -> Int64 {
                guard case .integer(let number) = value else { throw BindingError("\(function): '\(name)' must be an integer, got \(value.typeName)") }
                return number
            }
            switch name {
            case "name": patch.name = try text()
            case "phone": patch.phone = .some(try text())
            case "email": patch.email = .some(try text())
            case "relationship": patch.relationship = try text()
            case "owner": patch.owner = .some(try text())
            case "points": patch.points = try integer()
            case "referrer": patch.referrer = .some(try integer())
            case "source": patch.source = .some(try text())
            default:
                guard case .table(let custom) = value else { throw BindingError("\(function): 'fields' must be a table") }
                patch.fields = try LuaSnapshots.customFields(custom, function: function).mapValues { $0 }
            }
        }
        return patch
    }
}
