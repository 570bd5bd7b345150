/// A Lua value copied between a state and Swift. Integers stay integers; strings are exact UTF-8.
///
/// ```swift
/// let payload: LuaValue = ["customer": 42, "tags": ["vip", "hn"], "score": 1.5]
/// ```
public indirect enum LuaValue: Sendable, Hashable {
    case nil_
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    /// A table copied by value (read raw: no metamethod of the script ran).
    case table(LuaTable)
    /// A host function, by the id `LuaState.register` gave it (only ever pushed, never read back).
    case hostFunction(Int32)
    /// A value the host does not copy (function, userdata, thread); only its type name is kept.
    case opaque(typeName: String)

    /// The table, when the value is one.
    public var table: LuaTable? { if case .table(let table) = self { table } else { nil } }

    /// The string, when the value is one.
    public var string: String? { if case .string(let string) = self { string } else { nil } }

    /// The Lua type name of the value (`"nil"`, `"number"`, `"table"`, ...).
    public var typeName: String {
        switch self {
        case .nil_: "nil"
        case .boolean: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .table: "table"
        case .hostFunction: "function"
        case .opaque(let name): name
        }
    }
}

/// A Lua table copied into Swift: every key and value, read raw.
public struct LuaTable: Sendable, Hashable {
    public var entries: [LuaValue: LuaValue]

    public init(_ entries: [LuaValue: LuaValue] = [:]) { self.entries = entries }

    /// A sequence `{values[1], values[2], ...}`.
    public init(array values: [LuaValue]) {
        var entries: [LuaValue: LuaValue] = [:]
        for (offset, value) in values.enumerated() where value != .nil_ { entries[.integer(Int64(offset + 1))] = value }
        self.entries = entries
    }

    /// A record with string keys; nil values are left out, as Lua would.
    public init(fields: [String: LuaValue]) {
        var entries: [LuaValue: LuaValue] = [:]
        for (key, value) in fields where value != .nil_ { entries[.string(key)] = value }
        self.entries = entries
    }

    /// The value at a string key, nil when absent.
    public subscript(key: String) -> LuaValue { entries[.string(key)] ?? .nil_ }

    public var isEmpty: Bool { entries.isEmpty }

    /// The values `t[1] .. t[n]` when the table is exactly a sequence (an empty table is one).
    public var sequence: [LuaValue]? {
        var values: [LuaValue] = []
        values.reserveCapacity(entries.count)
        for index in 0..<entries.count {
            guard let value = entries[.integer(Int64(index + 1))] else { return nil }
            values.append(value)
        }
        return values
    }
}

extension LuaValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(nilLiteral: ()) { self = .nil_ }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: LuaValue...) { self = .table(LuaTable(array: elements)) }
    public init(dictionaryLiteral elements: (String, LuaValue)...) {
        self = .table(LuaTable(fields: Dictionary(elements, uniquingKeysWith: { _, last in last })))
    }
}
