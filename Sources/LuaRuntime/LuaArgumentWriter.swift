import CLua
import CLuaShim

/// Writes a call's arguments straight onto the Lua stack, for hot paths where building a
/// `LuaValue` tree first would cost more than the call itself (a hook's event table).
///
/// Build a table by pushing it, then for each field pushing the value and naming its key:
///
/// ```swift
/// let hook = try lua.reference(toFunction: "on_customer_created", in: module)
/// try lua.call(hook) { w in
///     w.pushTable(fields: 2)
///     w.push("Nguyễn Gia Khương"); w.setField("name")
///     w.push(42 as Int64); w.setField("id")
///     return 1   // arguments pushed
/// }
/// ```
///
/// Only used where the memory limit is lifted (before a call starts), so pushes cannot raise.
public struct LuaArgumentWriter {
    let L: OpaquePointer

    /// Pushes a new table with room for `array` sequence items and `fields` named fields.
    public func pushTable(array: Int = 0, fields: Int = 0) {
        lua_checkstack(L, 4)
        lua_createtable(L, Int32(clamping: array), Int32(clamping: fields))
    }

    public func push(_ text: String) { LuaStack(L: L).pushString(text) }
    /// Pushes a literal the way C code pushes one (`lua_pushstring`): Lua keeps a small cache of
    /// the strings it made from C pointers, so a literal pushed on every call is found by its
    /// address instead of being hashed and interned again. For literals only: their address
    /// always holds the same NUL-terminated text.
    public func push(literal text: StaticString) {
        guard text.hasPointerRepresentation else { return push(text.description) }
        lua_pushstring(L, UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self))
    }
    public func push(_ number: Int64) { lua_pushinteger(L, number) }
    public func push(_ number: Double) { lua_pushnumber(L, number) }
    public func push(_ flag: Bool) { lua_pushboolean(L, flag ? 1 : 0) }
    public func pushNil() { lua_pushnil(L) }

    /// Pushes any value (tables copied whole).
    public func push(_ value: LuaValue) throws { try LuaStack(L: L).push(value) }

    /// Pops the value on top into field `key` of the table below it. `key` must be a literal:
    /// Lua reads it as a C string, and literals are the ones Swift stores NUL-terminated.
    public func setField(_ key: StaticString) {
        // A one-character literal may be stored as a scalar, without a pointer to hand over.
        guard key.hasPointerRepresentation else { return setField(named: key.description) }
        lua_setfield(L, -2, UnsafeRawPointer(key.utf8Start).assumingMemoryBound(to: CChar.self))
    }

    /// Pops the value on top into field `key` of the table below it. (A separate name from the
    /// literal one: with one name, Swift would pick this overload for literals too.)
    public func setField(named key: String) {
        push(key)
        lua_rotate(L, -2, 1)
        lua_rawset(L, -3)
    }

    /// Pops the value on top into item `index` of the sequence below it.
    public func setItem(_ index: Int) {
        lua_rawseti(L, -2, lua_Integer(index))
    }
}

extension LuaState {
    /// Calls `function` with the arguments `arguments` pushes (it returns how many), within the
    /// time budget (0: none). Results are dropped.
    public func call(_ function: LuaReference, timeLimitMilliseconds: UInt32 = 0,
                     arguments: (LuaArgumentWriter) throws -> Int32) throws {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        lua_rawgeti(state, lantern_registry_index, lua_Integer(function.slot))
        let count = try arguments(LuaArgumentWriter(L: state))
        try protectedCall(argumentCount: count, resultCount: 0, timeLimitMilliseconds: timeLimitMilliseconds)
    }

    /// A reference to the function in field `name` of the table `table` refers to (read raw), so
    /// that calls need no lookup by name.
    public func reference(toFunction name: String, in table: LuaReference) throws -> LuaReference {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        try pushFunction(field: name, of: table)
        return LuaReference(slot: luaL_ref(state, lantern_registry_index))
    }

    /// What `write` pushes (one value), read back into Swift: to check a writer against the `LuaValue` it stands for.
    public func readBack(_ write: (LuaArgumentWriter) throws -> Void) throws -> LuaValue {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        try write(LuaArgumentWriter(L: state))
        return try stack.read(at: -1)
    }
}
