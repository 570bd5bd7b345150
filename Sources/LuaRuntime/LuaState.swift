import CLua
import CLuaShim

/// One Lua 5.4 state owned by Swift. Every call into Lua is a protected call made by the C shim,
/// so a Lua error never unwinds through Swift frames (design.md rule 1).
///
/// The heap is capped at `memoryLimit` bytes by a counting allocator, and each `evaluate` may
/// be given a wall-time budget, enforced by a watchdog thread that arms a hook only once the
/// deadline passes. A limit, once hit, holds until the call unwinds: `pcall` cannot swallow it.
///
/// Not thread-safe: use one state from one thread at a time.
///
/// ```swift
/// let lua = try LuaState(memoryLimit: 16 << 20)
/// let value = try lua.evaluate("return 6 * 7", chunkName: "answer.lua", timeLimitMilliseconds: 100)   // .integer(42)
/// ```
public final class LuaState {
    private let handle: OpaquePointer
    private let state: OpaquePointer

    /// Opens a new state with Lua's standard libraries; `memoryLimit` bytes of heap (0: unlimited).
    public init(memoryLimit: Int = 0) throws {
        guard let handle = lantern_state_new(memoryLimit) else {
            throw LuaError(kind: .memory, message: "not enough memory to create a Lua state")
        }
        self.handle = handle
        state = lantern_state_lua(handle)
    }

    deinit { lantern_state_close(handle) }

    /// Bytes the state's heap uses now.
    public var memoryInUse: Int { lantern_state_memory(handle) }

    /// Compiles `code` as text (never bytecode) and runs it within the time budget (0: none);
    /// returns its first result.
    public func evaluate(_ code: String, chunkName: String = "chunk", timeLimitMilliseconds: UInt32 = 0) throws -> LuaValue {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        // utf8CString always holds at least its terminator, so the buffer is never empty; the length
        // passed excludes the terminator and includes any NUL inside the code.
        let loaded = code.utf8CString.withUnsafeBufferPointer { buffer -> Int32 in
            guard let pointer = buffer.baseAddress else { return LUA_ERRMEM }
            return lantern_load(handle, pointer, buffer.count - 1, "=" + chunkName)
        }
        if loaded != LUA_OK { throw LuaError(kind: Self.kind(of: loaded), message: popError()) }
        var limit: Int32 = 0
        let status = lantern_call(handle, 0, 1, timeLimitMilliseconds, &limit)
        if status != LUA_OK {
            let kind: LuaError.Kind = switch Int(limit) {
            case LANTERN_LIMIT_TIME: .timeLimit
            case LANTERN_LIMIT_MEMORY: .memoryLimit
            default: Self.kind(of: status)
            }
            throw LuaError(kind: kind, message: popError())
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
