import CRMCore
import LuaRuntime

/// Snapshots and events as the plain Lua tables of plugin-api.md section 3.
enum LuaSnapshots {
    static func value(_ value: SnapshotValue) -> LuaValue {
        switch value {
        case .string(let text): .string(text)
        case .integer(let number): .integer(number)
        case .double(let number): .number(number)
        case .bool(let flag): .boolean(flag)
        case .array(let items): .table(LuaTable(array: items.map(Self.value)))
        case .object(let fields): .table(LuaTable(fields: fields.mapValues(Self.value)))
        }
    }

    static func record(_ fields: [String: SnapshotValue]) -> LuaValue {
        .table(LuaTable(fields: fields.mapValues(value)))
    }

    static func customer(_ customer: Customer) -> LuaValue { record(customer.snapshot) }

    static func order(_ order: Order) -> LuaValue { record(order.snapshot) }

    static func changes(_ changes: [String: FieldChange]) -> LuaValue {
        .table(LuaTable(fields: changes.mapValues { change in
            .table(LuaTable(fields: ["from": change.from.map(value) ?? .nil_, "to": change.to.map(value) ?? .nil_]))
        }))
    }

    /// A table of custom fields (names to strings, numbers or booleans), for an update or a new customer.
    static func customFields(_ table: LuaTable, function: String) throws -> [String: FieldValue] {
        var fields: [String: FieldValue] = [:]
        for (key, value) in table.entries {
            guard case .string(let name) = key, let converted = fieldValue(value) else {
                throw BindingError("\(function): custom fields map names to strings, numbers or booleans")
            }
            fields[name] = converted
        }
        return fields
    }

    /// A Lua scalar as a snapshot value, for filters; nil for anything else.
    static func snapshotValue(_ value: LuaValue) -> SnapshotValue? {
        switch value {
        case .string(let text): .string(text)
        case .integer(let number): .integer(number)
        case .number(let number): .double(number)
        case .boolean(let flag): .bool(flag)
        default: nil
        }
    }

    /// A Lua value as a custom field value; nil for anything but strings, numbers and booleans.
    static func fieldValue(_ value: LuaValue) -> FieldValue? {
        switch value {
        case .string(let text): .string(text)
        case .integer(let number): .integer(number)
        case .number(let number): .double(number)
        case .boolean(let flag): .bool(flag)
        default: nil
        }
    }
}
