import CRMCore
import LuaRuntime

/// `crm.schedule`, `crm.cancel` and `crm.jobs` (plugin-api.md section 4): a plugin's own jobs,
/// written in the invocation's savepoint, or when a hook returns (`InvocationWrites`), so a
/// failing hook schedules nothing.
enum JobBindings {
    static func functions(in lua: LuaState, for plugin: PluginInstance) -> [String: LuaValue] {
        let identity = CRMBindings.identity(of:calling:)
        let crm = plugin.crm
        // Reads its arguments off the stack: the payload is written to JSON straight from Lua.
        let schedule = lua.registerReadingArguments { [unowned plugin] stack in
            let invocation = try CRMBindings.running(plugin, calling: "crm.schedule")
            let delay = try Delay.seconds(argument: 0, of: stack, function: "crm.schedule")
            let handler = try stack.string(1) ?? LuaArguments(function: "crm.schedule", 1, of: stack).string(1)
            // By length first: looking a huge string up hashes (and normalizes) all of it.
            guard handler.utf8.count <= LuaState.maximumFunctionNameBytes, plugin.functions.contains(handler) else {
                throw BindingError("crm.schedule: '\(handler)' is not a function of this plugin's module (functions: \(plugin.functions.sorted().joined(separator: ", ")))")
            }
            let payload: String
            if stack.isNil(2) {
                payload = JobPayload.empty
            } else if stack.isTable(2) {
                payload = try JobPayload.encode(argument: 2, of: stack, function: "crm.schedule")
            } else {
                throw try LuaArguments(function: "crm.schedule", 2, of: stack).bad(2, "table")
            }
            let key = try Self.key(argument: 3, of: stack)
            let job = try invocation.writes.schedule(handler: handler, payload: payload, dueAt: crm.clock.now() + delay,
                                                     key: key, by: invocation.identity)
            return [.integer(job.id)]
        }
        let cancel = lua.register { [unowned plugin] values in
            let arguments = LuaArguments(function: "crm.cancel", values: values)
            let who = try identity(plugin, "crm.cancel")
            switch arguments[0] {
            case .string(let key): return [.boolean(try crm.jobs.cancel(key: key, by: who))]
            default: return [.boolean(try crm.jobs.cancel(id: try arguments.integer(0), by: who))]
            }
        }
        let jobs = lua.register { [unowned plugin] _ in
            let who = try identity(plugin, "crm.jobs")
            return [.table(LuaTable(array: try crm.jobs.pending(by: who).map { job in
                .table(LuaTable(fields: ["id": .integer(job.id), "key": job.key.map(LuaValue.string) ?? .nil_,
                                         "handler": .string(job.handler), "due_at": .integer(job.dueAt)]))
            }))]
        }
        return ["schedule": schedule, "cancel": cancel, "jobs": jobs]
    }

    /// The key in `crm.schedule`'s options (argument `index`), if any.
    private static func key(argument index: Int, of arguments: LuaStackArguments) throws -> String? {
        if arguments.isNil(index) { return nil }
        guard arguments.isTable(index) else {
            throw try LuaArguments(function: "crm.schedule", index, of: arguments).bad(index, "table")
        }
        var key: String?
        try arguments.forEachEntry(index) { name, value in
            guard name == "key" else {
                throw BindingError("crm.schedule: unknown option \(name.string.map { "'\($0)'" } ?? "key") (the options: key)")
            }
            guard case .string(let text) = value else {
                throw BindingError("crm.schedule: options.key must be a string, got \(value.typeName)")
            }
            key = text
        }
        return key
    }
}
