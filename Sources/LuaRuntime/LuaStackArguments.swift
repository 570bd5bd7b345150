import CLua

/// A host function's arguments left on the Lua stack, read only as the function asks for them
/// (`LuaState.registerReadingArguments(_:)`): for hot bindings that would otherwise copy a whole
/// table into `LuaValue`s only to write it out again. Indexes start at 0, as in `[LuaValue]` arguments.
/// Valid only during the call it was made for.
public struct LuaStackArguments {
    let stack: LuaStack

    /// How many arguments the function was called with.
    public let count: Int

    /// The argument at `index` copied whole, `.nil_` past the end (as `read` copies arguments).
    public func value(_ index: Int) throws -> LuaValue {
        index < count ? try stack.read(at: Int32(index + 1)) : .nil_
    }

    /// The argument at `index` when it is a string (numbers are not converted), else nil: the
    /// common case of a string argument without copying every argument before it.
    public func string(_ index: Int) throws -> String? {
        guard index < count, lua_type(stack.L, Int32(index + 1)) == LUA_TSTRING else { return nil }
        return try stack.readString(at: Int32(index + 1))
    }

    /// The argument at `index` when it is an integer (a float is not converted), else nil.
    public func integer(_ index: Int) -> Int64? {
        guard index < count, lua_isinteger(stack.L, Int32(index + 1)) != 0 else { return nil }
        return lua_tointegerx(stack.L, Int32(index + 1), nil)
    }

    /// True when the argument at `index` is a table (a read-only proxy included).
    public func isTable(_ index: Int) -> Bool {
        index < count && lua_type(stack.L, Int32(index + 1)) == LUA_TTABLE
    }

    /// True when the argument at `index` is nil or absent.
    public func isNil(_ index: Int) -> Bool {
        index >= count || lua_type(stack.L, Int32(index + 1)) == LUA_TNIL
    }

    /// Calls `body` with each key and value (each copied) of the table argument at `index`, which
    /// must be a table (`isTable`): for small option tables, without building their dictionary.
    public func forEachEntry(_ index: Int, _ body: (LuaValue, LuaValue) throws -> Void) throws {
        precondition(isTable(index), "forEachEntry(\(index)) of a non-table argument")
        try stack.forEachEntry(at: Int32(index + 1), body)
    }

    /// Hands the argument at `index` to `visitor` piece by piece (see `LuaValueVisitor`).
    public func walk<Visitor: LuaValueVisitor>(_ index: Int, with visitor: inout Visitor) throws {
        if index < count { try stack.walk(at: Int32(index + 1), with: &visitor) } else { try visitor.visitNil() }
    }
}

/// A host function reading its arguments off the stack itself.
public typealias LuaStackHostFunction = (LuaStackArguments) throws -> [LuaValue]
