import CLua
import CLuaShim

/// One Lua 5.4 state owned by Swift. Every call into Lua is a protected call made by the C shim,
/// so a Lua error never unwinds through Swift frames (design.md rule 1).
///
/// Not thread-safe: use one state from one thread at a time.
///
/// ```swift
/// let lua = try LuaState()
/// let value = try lua.evaluate("return 6 * 7", chunkName: "answer.lua")   // .integer(42)
/// ```
public final class LuaState {
    private let state: OpaquePointer

    /// Opens a new state with Lua's standard libraries.
    public init() throws {
        guard let state = lantern_newstate() else {
            throw LuaError(kind: .memory, message: "not enough memory to create a Lua state")
        }
        self.state = state
    }

    deinit { lua_close(state) }

    /// Compiles `code` as text (never bytecode) and runs it; returns its first result.
    public func evaluate(_ code: String, chunkName: String = "chunk") throws -> LuaValue {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        var bytes = Array(code.utf8)
        let status = bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                lantern_dostring(state, pointer, buffer.count, "=" + chunkName, 1)
            }
        }
        if status != LUA_OK {
            throw LuaError(kind: Self.kind(of: status), message: popError())
        }
        return value(at: -1)
    }

    private func popError() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        lantern_pop_error(state, &buffer, buffer.count)
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads the value at `index` with raw access only: no metamethod runs (design.md rule 2).
    private func value(at index: Int32) -> LuaValue {
        switch lua_type(state, index) {
        case LUA_TNIL, LUA_TNONE: return .nil_
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(state, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(state, index) != 0 { return .integer(lua_tointegerx(state, index, nil)) }
            return .number(lua_tonumberx(state, index, nil))
        case LUA_TSTRING:
            var length = 0
            guard let pointer = lua_tolstring(state, index, &length) else { return .nil_ }
            let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
            return .string(String(decoding: bytes, as: UTF8.self))
        default:
            return .opaque(typeName: String(cString: lua_typename(state, lua_type(state, index))))
        }
    }

    private static func kind(of status: Int32) -> LuaError.Kind {
        switch status {
        case LUA_ERRSYNTAX: return .syntax
        case LUA_ERRMEM: return .memory
        case LUA_ERRERR: return .handler
        default: return .runtime
        }
    }
}
