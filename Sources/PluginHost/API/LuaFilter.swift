import CRMCore
import LuaRuntime

/// The filter language of plugin-api.md section 4, read into a query:
/// `{ relationship = "Mới", points = {gte = 100}, owner = {any_of = {"an", "binh"}}, limit = 10, order = "-created_at" }`.
enum LuaFilter {
    static let defaultLimit = 100
    static let maximumLimit = 1000

    static func query<Field: RawRepresentable & CaseIterable & Sendable & Hashable>(
        _ filter: LuaTable?, function: String, orderBy defaultOrder: Field
    ) throws -> RecordQuery<Field> where Field.RawValue == String {
        var query = RecordQuery<Field>(orderBy: defaultOrder, limit: defaultLimit)
        let known = Field.allCases.map(\.rawValue).joined(separator: ", ")
        for (key, value) in (filter?.entries ?? [:]).sorted(by: { "\($0.key)" < "\($1.key)" }) {
            guard case .string(let name) = key else { throw BindingError("\(function): filter keys must be field names") }
            switch name {
            case "limit":
                guard case .integer(let limit) = value, (1...Int64(maximumLimit)).contains(limit) else {
                    throw BindingError("\(function): limit must be an integer from 1 to \(maximumLimit)")
                }
                query.limit = Int(limit)
            case "order":
                guard case .string(var order) = value else { throw BindingError("\(function): order must be a field name") }
                if order.hasPrefix("-") { query.descending = true; order.removeFirst() }
                guard let field = Field(rawValue: order) else {
                    throw BindingError("\(function): cannot order by unknown field '\(order)' (fields: \(known))")
                }
                query.orderBy = field
            default:
                guard let field = Field(rawValue: name) else {
                    throw BindingError("\(function): unknown field '\(name)' in filter (fields: \(known), limit, order)")
                }
                for condition in try conditions(value, field: name, function: function) {
                    query.conditions.append((field, condition))
                }
            }
        }
        return query
    }

    private static func conditions(_ value: LuaValue, field: String, function: String) throws -> [Condition] {
        if let scalar = LuaSnapshots.snapshotValue(value) { return [.equals(scalar)] }
        guard case .table(let table) = value, !table.isEmpty else {
            throw BindingError("\(function): filter on '\(field)' must be a value or {any_of =, none_of =, gte =, lte =}")
        }
        return try table.entries.sorted(by: { "\($0.key)" < "\($1.key)" }).map { key, operand in
            switch key {
            case "any_of", "none_of":
                guard let items = operand.table?.sequence else {
                    throw BindingError("\(function): '\(field)' \(key.string ?? "") takes an array of values")
                }
                let values = try items.map { item in
                    guard let scalar = LuaSnapshots.snapshotValue(item) else {
                        throw BindingError("\(function): '\(field)' \(key.string ?? "") takes an array of values")
                    }
                    return scalar
                }
                return key == "any_of" ? .anyOf(values) : .noneOf(values)
            case "gte", "lte":
                guard let scalar = LuaSnapshots.snapshotValue(operand) else {
                    throw BindingError("\(function): '\(field)' \(key.string ?? "") takes a value")
                }
                return key == "gte" ? .greaterOrEqual(scalar) : .lessOrEqual(scalar)
            default:
                throw BindingError("\(function): unknown operator \(key.string.map { "'\($0)'" } ?? "key") on '\(field)' (operators: any_of, none_of, gte, lte)")
            }
        }
    }
}
