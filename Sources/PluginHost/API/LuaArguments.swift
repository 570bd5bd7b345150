import LuaRuntime

/// The arguments of one `crm` call, read with errors that name the function and the argument,
/// as Lua's own `bad argument #1 to 'f' (integer expected, got string)`.
struct LuaArguments {
    let function: String
    let values: [LuaValue]

    subscript(index: Int) -> LuaValue { index < values.count ? values[index] : .nil_ }

    init(function: String, values: [LuaValue]) {
        self.function = function
        self.values = values
    }

    /// Argument number `index` of a binding that reads its arguments off the stack one by one
    /// (`LuaStackArguments`), copied, so it is checked and reported like any other.
    init(function: String, _ index: Int, of arguments: LuaStackArguments) throws {
        self.init(function: function, values: Array(repeating: .nil_, count: index) + [try arguments.value(index)])
    }

    func bad(_ index: Int, _ expected: String) -> BindingError {
        BindingError("bad argument #\(index + 1) to '\(function)' (\(expected) expected, got \(describe(self[index])))")
    }

    private func describe(_ value: LuaValue) -> String {
        if case .number = value { return "a non-integer number" }
        return value == .nil_ ? "no value" : value.typeName
    }

    func integer(_ index: Int) throws -> Int64 {
        switch self[index] {
        case .integer(let number): return number
        case .number(let number) where number.rounded() == number && abs(number) < 9.0e15: return Int64(number)
        default: throw bad(index, "integer")
        }
    }

    func string(_ index: Int) throws -> String {
        guard case .string(let text) = self[index] else { throw bad(index, "string") }
        return text
    }

    func table(_ index: Int) throws -> LuaTable {
        guard case .table(let table) = self[index] else { throw bad(index, "table") }
        return table
    }

    func optionalTable(_ index: Int) throws -> LuaTable? {
        if self[index] == .nil_ { return nil }
        return try table(index)
    }

    /// An array of strings (logins).
    func strings(_ index: Int) throws -> [String] {
        guard let items = try table(index).sequence else { throw bad(index, "array of strings") }
        return try items.map { item in
            guard case .string(let text) = item else { throw bad(index, "array of strings") }
            return text
        }
    }
}

/// An error a `crm` function raises in Lua, with exactly this message.
struct BindingError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
