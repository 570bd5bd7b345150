import CRMCore
import LuaRuntime

/// `t:as(login)` and `t.customers` / `t.orders`: the `crm` functions plus `customers.create` and
/// `orders.create`, through the same services as the API (`source = "api"`), as `login` or, for
/// the unrestricted view, as the hidden system user.
extension TestTenant {
    func call(as login: String?, _ name: String, _ values: [LuaValue]) throws -> [LuaValue] {
        let who = login.map { Identity.user($0) } ?? system
        let prefix = login == nil ? "t." : "t:as(\"\(login ?? "")\")."
        let args = LuaArguments(function: prefix + name, values: values)
        func customer(_ value: Customer?) -> [LuaValue] { [value.map(LuaSnapshots.customer) ?? .nil_] }
        switch name {
        case "customers.get": return customer(try crm.customers.get(try args.integer(0), by: who))
        case "customers.find":
            let query: CustomerQuery = try LuaFilter.query(try args.optionalTable(0), function: args.function, orderBy: .id)
            return [.table(LuaTable(array: try crm.customers.find(query, by: who).map(LuaSnapshots.customer)))]
        case "customers.create": return customer(try crm.customers.create(try newCustomer(try args.table(0), args.function), by: who))
        case "customers.update": return customer(try crm.customers.update(try args.integer(0), try CRMBindings.patch(try args.table(1)), by: who))
        case "customers.set_relationship": return customer(try crm.customers.setRelationship(try args.integer(0), to: try args.string(1), by: who))
        case "customers.assign": return customer(try crm.customers.assign(try args.integer(0), to: try args.string(1), by: who))
        case "customers.add_viewer": return customer(try crm.customers.addViewer(try args.integer(0), try args.string(1), by: who))
        case "customers.share": return customer(try crm.customers.share(try args.integer(0), with: try args.strings(1), by: who))
        case "customers.bulk_set_relationship":
            guard let ids = try args.table(0).sequence else { throw args.bad(0, "array of customer ids") }
            let customerIds = try ids.map { id -> Int64 in
                guard case .integer(let number) = id else { throw args.bad(0, "array of customer ids") }
                return number
            }
            return [.integer(Int64(try crm.customers.bulkSetRelationship(customerIds, to: try args.string(1), by: who)))]
        case "orders.get": return [try crm.orders.get(try args.integer(0), by: who).map(LuaSnapshots.order) ?? .nil_]
        case "orders.find":
            let query: OrderQuery = try LuaFilter.query(try args.optionalTable(0), function: args.function, orderBy: .id)
            return [.table(LuaTable(array: try crm.orders.find(query, by: who).map(LuaSnapshots.order)))]
        case "orders.create": return [LuaSnapshots.order(try crm.orders.create(try newOrder(try args.table(0), args.function), by: who))]
        case "relationships.list":
            return [.table(LuaTable(array: try crm.relationships.list(by: who).map { relationship in
                .table(LuaTable(fields: ["id": .integer(relationship.id), "name": .string(relationship.name),
                                         "color": .string(relationship.color),
                                         "description": relationship.description.map(LuaValue.string) ?? .nil_]))
            }))]
        case "users.get":
            guard let user = try crm.directory.user(try args.string(0), by: who) else { return [.nil_] }
            return [.table(LuaTable(fields: ["login": .string(user.login), "name": .string(user.name),
                                             "department": user.department.map(LuaValue.string) ?? .nil_, "role": .string(user.role)]))]
        case "notify":
            _ = try crm.notifications.notify(try args.string(0), try args.string(1), by: who)
            return []
        case "now": return [.integer(clock.now())]
        default: throw BindingError("\(args.function) is not a function of the harness")
        }
    }

    private static let customerKeys: Set<String> = ["code", "name", "phone", "email", "relationship", "owner", "viewers",
                                                    "shared_with", "referrer", "points", "source", "fields"]

    private func newCustomer(_ table: LuaTable, _ function: String) throws -> NewCustomer {
        for key in table.entries.keys {
            guard case .string(let name) = key, Self.customerKeys.contains(name) else {
                throw BindingError("\(function): unknown field \(key.string.map { "'\($0)'" } ?? "key") (fields: \(Self.customerKeys.sorted().joined(separator: ", ")))")
            }
        }
        func text(_ key: String) throws -> String? {
            switch table[key] {
            case .nil_: return nil
            case .string(let value): return value
            case let other: throw BindingError("\(function): '\(key)' must be a string, got \(other.typeName)")
            }
        }
        func logins(_ key: String) throws -> [String] {
            switch table[key] {
            case .nil_: return []
            case .table(let list):
                return try (list.sequence ?? []).map { item in
                    guard case .string(let login) = item else { throw BindingError("\(function): '\(key)' is an array of logins") }
                    return login
                }
            case let other: throw BindingError("\(function): '\(key)' is an array of logins, got \(other.typeName)")
            }
        }
        guard let name = try text("name") else { throw BindingError("\(function): 'name' is required") }
        var input = NewCustomer(code: try text("code"), name: name, phone: try text("phone"), email: try text("email"),
                                relationship: try text("relationship"), owner: try text("owner").map(OwnerChoice.user) ?? .creator,
                                viewers: try logins("viewers"), sharedWith: try logins("shared_with"), source: try text("source"))
        if case .integer(let referrer) = table["referrer"] { input.referrer = referrer }
        if case .integer(let points) = table["points"] { input.points = points }
        if case .table(let fields) = table["fields"] {
            for (key, value) in fields.entries {
                guard case .string(let field) = key, let converted = LuaSnapshots.fieldValue(value) else {
                    throw BindingError("\(function): custom fields map names to strings, numbers or booleans")
                }
                input.fields[field] = converted
            }
        }
        return input
    }

    private func newOrder(_ table: LuaTable, _ function: String) throws -> NewOrder {
        guard case .integer(let customer) = table["customer"] else { throw BindingError("\(function): 'customer' (a customer id) is required") }
        let kind = try table["kind"].string.map { try OrderKind(rawValue: $0) ?? { throw BindingError("\(function): 'kind' is sale or purchase") }() } ?? .sale
        let status = try table["status"].string.map {
            try OrderStatus(rawValue: $0) ?? { throw BindingError("\(function): 'status' is one of new, approved, completed, cancelled") }()
        } ?? .new
        var lines: [OrderLine] = []
        if case .table(let given) = table["lines"] {
            for item in given.sequence ?? [] {
                guard case .table(let line) = item, case .string(let product) = line["product"] else {
                    throw BindingError("\(function): 'lines' is an array of {product, quantity, price}")
                }
                let quantity: Double = switch line["quantity"] { case .integer(let q): Double(q); case .number(let q): q; default: 1 }
                guard case .integer(let price) = line["price"] else { throw BindingError("\(function): each line needs an integer 'price'") }
                lines.append(OrderLine(product: product, quantity: quantity, price: price))
            }
        }
        var total: Int64?
        if case .integer(let given) = table["total"] { total = given }
        return NewOrder(code: table["code"].string, kind: kind, customer: customer, lines: lines, total: total, status: status)
    }
}
