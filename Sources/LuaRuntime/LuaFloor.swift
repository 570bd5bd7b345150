import CLua
import CLuaShim

/// Plain Lua driven by plain C, none of Lantern's code in the path: the floors `lantern bench`
/// measures the host against (a hook call, a state's memory).
///
/// ```swift
/// let floor = try LuaFloorState(source: "return { on_customer_created = function(e) end }",
///                               function: "on_customer_created")
/// try floor.dispatch(iterations: 100_000)   // C builds the event table and calls the function each time
/// ```
public final class LuaFloorState {
    private let L: OpaquePointer
    private let function: Int32

    /// Runs `source` (a chunk returning a module table) in a plain state and keeps its `function`.
    public init(source: String, function name: String) throws {
        guard let L = lantern_floor_state_new() else { throw LuaError(kind: .memory, message: "not enough memory for a Lua state") }
        self.L = L
        let stack = LuaStack(L: L)
        do {
            try Self.run(source, chunkName: "floor", in: L)
        } catch {
            lantern_floor_state_close(L)
            throw error
        }
        stack.pushString(name)
        lua_rawget(L, -2)
        guard lua_type(L, -1) == LUA_TFUNCTION else {
            lantern_floor_state_close(L)
            throw LuaError(kind: .runtime, message: "the floor's module has no function '\(name)'")
        }
        function = luaL_ref(L, lantern_registry_index)
        lua_settop(L, 0)
    }

    deinit { lantern_floor_state_close(L) }

    /// Calls the function `iterations` times from C, each time with a fresh event table built by
    /// the C API (`lantern_floor_push_event`).
    public func dispatch(iterations: Int) throws {
        let status = lantern_floor_dispatch(L, function, iterations)
        if status != LUA_OK {
            let message = (try? LuaStack(L: L).readString(at: -1)) ?? "error \(status)"
            lua_settop(L, 0)
            throw LuaError(kind: .runtime, message: message)
        }
    }

    /// Runs `source` in plain Lua (a `luaL_newstate` with the standard libraries, no sandbox) and
    /// returns its first result: the reference the sandbox's behaviour is compared against.
    public static func evaluate(_ source: String) throws -> LuaValue {
        guard let L = lantern_floor_state_new() else { throw LuaError(kind: .memory, message: "not enough memory for a Lua state") }
        defer { lantern_floor_state_close(L) }
        try run(source, chunkName: "main.lua", in: L)
        return try LuaStack(L: L).read(at: -1)
    }

    /// Loads `source` as text and runs it, leaving its first result on the stack.
    private static func run(_ source: String, chunkName: String, in L: OpaquePointer) throws {
        let loaded = source.utf8CString.withUnsafeBufferPointer { buffer in
            luaL_loadbufferx(L, buffer.baseAddress, buffer.count - 1, "=" + chunkName, "t")
        }
        guard loaded == LUA_OK, lua_pcallk(L, 0, 1, 0, 0, nil) == LUA_OK else {
            throw LuaError(kind: .runtime, message: (try? LuaStack(L: L).readString(at: -1)) ?? "the chunk \(chunkName) failed")
        }
    }

    /// The floor's event table, read back into Swift (to check the bench builds the same one).
    public static func eventTable() throws -> LuaValue {
        guard let L = lantern_floor_state_new() else { throw LuaError(kind: .memory, message: "not enough memory for a Lua state") }
        defer { lantern_floor_state_close(L) }
        lantern_floor_push_event(L)
        return try LuaStack(L: L).read(at: -1)
    }
}

/// Bare states (`luaL_newstate` with the standard libraries), held open: the memory floor of a plugin.
public final class BareLuaStates {
    private var states: [OpaquePointer] = []

    public init(count: Int) throws {
        states.reserveCapacity(count)
        for _ in 0..<count {
            guard let L = lantern_floor_state_new() else { throw LuaError(kind: .memory, message: "not enough memory for a Lua state") }
            states.append(L)
        }
    }

    deinit { for L in states { lantern_floor_state_close(L) } }
}
