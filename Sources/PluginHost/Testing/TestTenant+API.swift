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
        switch name {
        case "customers.create":
            return [LuaSnapshots.customer(try crm.customers.create(try newCustomer(try args.table(0), args.function), by: who))]
        case "customers.bulk_set_relationship":
            guard let ids = try args.table(0).sequence else { throw args.bad(0, "array of customer ids") }
            let customerIds = try ids.map { id -> Int64 in
                guard case .integer(let number) = id else { throw args.bad(0, "array of customer ids") }
                return number
            }
            return [.integer(Int64(try crm.customers.bulkSetRelationship(customerIds, to: try args.string(1), by: who)))]
        case "orders.create": return [LuaSnapshots.order(try crm.orders.create(try newOrder(try args.table(0), args.function), by: who))]
        case "now": return [.integer(clock.now())]
        case _ where CRMCalls.handles(name): return try CRMCalls.perform(name, args, as: who, crm: crm)
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
        if case .table(let fields) = table["fields"] { input.fields = try LuaSnapshots.customFields(fields, function: function) }
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
