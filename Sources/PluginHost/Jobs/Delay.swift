import LuaRuntime

/// A delay as `crm.schedule` and `t.clock:advance` take it: seconds, or
/// `{days =, hours =, minutes =, seconds =}` (plugin-api.md section 4).
enum Delay {
    static let units: [(String, Int64)] = [("days", 86_400), ("hours", 3_600), ("minutes", 60), ("seconds", 1)]

    /// The delay in whole seconds (a fraction rounds up, so a job is never early).
    static func seconds(_ value: LuaValue, function: String) throws -> Int64 {
        switch value {
        case .integer(let seconds): return try checked(Double(seconds), function: function)
        case .number(let seconds): return try checked(seconds, function: function)
        case .table(let table):
            var sum = 0.0
            for (key, amount) in table.entries { sum += try self.seconds(key, amount, function: function) }
            return try checked(sum, function: function)
        default:
            throw BindingError("\(function): the delay must be a number of seconds or a table like {days = 2}, got \(value.typeName)")
        }
    }

    /// The delay given as argument `index`, a table's entries read off the stack one by one.
    static func seconds(argument index: Int, of arguments: LuaStackArguments, function: String) throws -> Int64 {
        if let seconds = arguments.integer(index) { return try checked(Double(seconds), function: function) }
        guard arguments.isTable(index) else { return try seconds(try arguments.value(index), function: function) }
        var sum = 0.0
        try arguments.forEachEntry(index) { key, amount in sum += try seconds(key, amount, function: function) }
        return try checked(sum, function: function)
    }

    /// The seconds of one entry of a delay table, such as `days = 2`.
    private static func seconds(_ key: LuaValue, _ amount: LuaValue, function: String) throws -> Double {
        guard case .string(let name) = key, let unit = units.first(where: { $0.0 == name }) else {
            throw BindingError("\(function): a delay table takes days, hours, minutes and seconds, not \(key.string.map { "'\($0)'" } ?? "a \(key.typeName) key")")
        }
        switch amount {
        case .integer(let value): return Double(value) * Double(unit.1)
        case .number(let value): return value * Double(unit.1)
        default: throw BindingError("\(function): '\(name)' must be a number, got \(amount.typeName)")
        }
    }

    private static func checked(_ total: Double, function: String) throws -> Int64 {
        guard total.isFinite, total >= 0, total < 1e11 else {
            throw BindingError("\(function): the delay must be between 0 and about 3,000 years, got \(total)")
        }
        return Int64(total.rounded(.up))
    }
}
