import LuaRuntime

/// A delay as `crm.schedule` and `t.clock:advance` take it: seconds, or
/// `{days =, hours =, minutes =, seconds =}` (plugin-api.md section 4).
enum Delay {
    static let units: [(String, Int64)] = [("days", 86_400), ("hours", 3_600), ("minutes", 60), ("seconds", 1)]

    /// The delay in whole seconds (a fraction rounds up, so a job is never early).
    static func seconds(_ value: LuaValue, function: String) throws -> Int64 {
        let total: Double
        switch value {
        case .integer(let seconds): total = Double(seconds)
        case .number(let seconds): total = seconds
        case .table(let table):
            var sum = 0.0
            for (key, amount) in table.entries {
                guard case .string(let name) = key, let unit = units.first(where: { $0.0 == name }) else {
                    throw BindingError("\(function): a delay table takes days, hours, minutes and seconds, not \(key.string.map { "'\($0)'" } ?? "a \(key.typeName) key")")
                }
                let count: Double
                switch amount {
                case .integer(let value): count = Double(value)
                case .number(let value): count = value
                default: throw BindingError("\(function): '\(name)' must be a number, got \(amount.typeName)")
                }
                sum += count * Double(unit.1)
            }
            total = sum
        default:
            throw BindingError("\(function): the delay must be a number of seconds or a table like {days = 2}, got \(value.typeName)")
        }
        guard total.isFinite, total >= 0, total < 1e11 else {
            throw BindingError("\(function): the delay must be between 0 and about 3,000 years, got \(total)")
        }
        return Int64(total.rounded(.up))
    }
}
