import CRMCore
import LuaRuntime

/// The data calls of plugin-api.md section 4 behind both the plugin's `crm` table
/// (`CRMBindings`) and the harness's `t:as(login)` / `t.customers` (`TestTenant`): one
/// implementation, called with the identity each side acts as.
enum CRMCalls {
    /// Whether `call` (such as `customers.update`) is one of these.
    static func handles(_ call: String) -> Bool { reads.contains(call) || writes.contains(call) }

    /// The calls that only read; the others write (and are refused past the cascade depth).
    static let reads: Set<String> = ["customers.get", "customers.find", "relationships.list", "orders.get", "orders.find",
                                     "users.get", "notify"]
    static let writes: Set<String> = ["customers.update", "customers.set_relationship", "customers.assign",
                                      "customers.add_viewer", "customers.share"]

    /// Runs `call` with `args` as `who`; errors name `args.function`.
    static func perform(_ call: String, _ args: LuaArguments, as who: Identity, crm: CRM) throws -> [LuaValue] {
        func customer(_ value: Customer?) -> [LuaValue] { [value.map(LuaSnapshots.customer) ?? .nil_] }
        switch call {
        case "customers.get": return customer(try crm.customers.get(try args.integer(0), by: who))
        case "customers.find":
            let query: CustomerQuery = try LuaFilter.query(try args.optionalTable(0), function: args.function, orderBy: .id)
            return [.table(LuaTable(array: try crm.customers.find(query, by: who).map(LuaSnapshots.customer)))]
        case "customers.update":
            return customer(try crm.customers.update(try args.integer(0), try CRMBindings.patch(try args.table(1), function: args.function), by: who))
        case "customers.set_relationship": return customer(try crm.customers.setRelationship(try args.integer(0), to: try args.string(1), by: who))
        case "customers.assign": return customer(try crm.customers.assign(try args.integer(0), to: try args.string(1), by: who))
        case "customers.add_viewer": return customer(try crm.customers.addViewer(try args.integer(0), try args.string(1), by: who))
        case "customers.share": return customer(try crm.customers.share(try args.integer(0), with: try args.strings(1), by: who))
        case "relationships.list":
            return [.table(LuaTable(array: try crm.relationships.list(by: who).map { relationship in
                .table(LuaTable(fields: ["id": .integer(relationship.id), "name": .string(relationship.name),
                                         "color": .string(relationship.color),
                                         "description": relationship.description.map(LuaValue.string) ?? .nil_]))
            }))]
        case "orders.get": return [try crm.orders.get(try args.integer(0), by: who).map(LuaSnapshots.order) ?? .nil_]
        case "orders.find":
            let query: OrderQuery = try LuaFilter.query(try args.optionalTable(0), function: args.function, orderBy: .id)
            return [.table(LuaTable(array: try crm.orders.find(query, by: who).map(LuaSnapshots.order)))]
        case "users.get":
            guard let user = try crm.directory.user(try args.string(0), by: who) else { return [.nil_] }
            return [.table(LuaTable(fields: ["login": .string(user.login), "name": .string(user.name),
                                             "department": user.department.map(LuaValue.string) ?? .nil_, "role": .string(user.role)]))]
        case "notify":
            _ = try crm.notifications.notify(try args.string(0), try args.string(1), by: who)
            return []
        default:
            throw BindingError("\(args.function) is not a function")
        }
    }
}
