import CLua
import CLuaShim

/// A Swift function Lua can call: it gets the arguments copied into Swift and returns the results.
/// A thrown error becomes a Lua error at the caller's line (raised by the C trampoline, never
/// across Swift frames); its message is the error's description.
public typealias LuaHostFunction = ([LuaValue]) throws -> [LuaValue]

/// A Lua value kept alive in a state's registry, such as a compiled chunk or a plugin's module table.
public struct LuaReference: Sendable, Hashable {
    let slot: Int32
}

/// One Lua 5.4 state owned by Swift. Every call into Lua is a protected call made by the C shim,
/// so a Lua error never unwinds through Swift frames (design.md rule 1).
///
/// The heap is capped at `memoryLimit` bytes by a counting allocator, and each call may be given
/// a wall-time budget, enforced by a watchdog thread that arms a hook only once the deadline
/// passes. A limit, once hit, holds until the call unwinds: neither `pcall`, `xpcall` handlers,
/// coroutines nor `__close` handlers can swallow it. With a `LuaSandbox`, the globals are those of
/// plugin-api.md section 6.
///
/// Not thread-safe: use one state from one thread at a time.
///
/// ```swift
/// let lua = try LuaState(memoryLimit: 16 << 20)
/// let value = try lua.evaluate("return 6 * 7", chunkName: "answer.lua", timeLimitMilliseconds: 100)   // .integer(42)
/// ```
public final class LuaState {
    private let handle: OpaquePointer
    let state: OpaquePointer
    private var hostFunctions: [HostFunction] = []

    /// A registered host function, by how it takes its arguments.
    private enum HostFunction {
        case copying(LuaHostFunction)
        case reading(LuaStackHostFunction)
    }
    /// The sandbox's callbacks, kept for the host functions that use them.
    var sandbox: LuaSandbox?

    /// Opens a new state with Lua's standard libraries, or with the sandbox's environment when
    /// `sandbox` is given; `memoryLimit` bytes of heap (0: unlimited).
    public init(memoryLimit: Int = 0, sandbox: LuaSandbox? = nil) throws {
        guard let handle = lantern_state_new(memoryLimit) else {
            throw LuaError(kind: .memory, message: "not enough memory to create a Lua state")
        }
        self.handle = handle
        state = lantern_state_lua(handle)
        lantern_set_host(handle, { context, L, id in
            guard let context, let L else { return -1 }
            return Unmanaged<LuaState>.fromOpaque(context).takeUnretainedValue().dispatch(L, Int(id))
        }, Unmanaged.passUnretained(self).toOpaque())
        if let sandbox {
            self.sandbox = sandbox
            let status = lantern_open_sandbox(handle)
            if status != LUA_OK { throw LuaError(kind: Self.kind(of: status), message: popError()) }
            try installSandbox()
        }
    }

    deinit { lantern_state_close(handle) }

    /// How far past its memory limit a state's heap may grow while a limit's error unwinds: the
    /// allocator grants it so that pending `__close` handlers are stopped at their first
    /// instruction, instead of each starting a full emergency collection.
    public static let memoryGraceBytes = Int(LANTERN_LIMIT_GRACE_BYTES)

    /// Bytes the state's heap uses now.
    public var memoryInUse: Int { lantern_state_memory(handle) }

    /// How many of this state's calls had to wake the time-limit watchdog when they started.
    var watchdogSignals: Int { Int(lantern_watchdog_signals(handle)) }

    var stack: LuaStack { LuaStack(L: state) }

    // MARK: Host functions and globals

    /// Makes `function` callable from Lua; push the returned value (in a table or as a global).
    public func register(_ function: @escaping LuaHostFunction) -> LuaValue {
        hostFunctions.append(.copying(function))
        return .hostFunction(Int32(hostFunctions.count - 1))
    }

    /// Makes `function` callable from Lua, reading its arguments off the stack as it needs them
    /// instead of receiving them copied; otherwise as `register(_:)`.
    public func registerReadingArguments(_ function: @escaping LuaStackHostFunction) -> LuaValue {
        hostFunctions.append(.reading(function))
        return .hostFunction(Int32(hostFunctions.count - 1))
    }

    private func dispatch(_ L: OpaquePointer, _ id: Int) -> Int32 {
        let stack = LuaStack(L: L)
        do {
            guard hostFunctions.indices.contains(id) else { throw LuaError.conversion("unknown host function \(id)") }
            let count = lua_gettop(L)
            let results: [LuaValue]
            switch hostFunctions[id] {
            case .copying(let function):
                var arguments: [LuaValue] = []
                arguments.reserveCapacity(Int(count))
                // One copy budget for all of the call's arguments: each held together with the rest.
                var visiting = OpenTables()
                for index in stride(from: 1, through: count, by: 1) { arguments.append(try stack.read(at: index, sharing: &visiting)) }
                results = try function(arguments)
            case .reading(let function):
                results = try function(LuaStackArguments(stack: stack, count: Int(count)))
            }
            for result in results { try stack.push(result) }
            return Int32(results.count)
        } catch {
            lua_settop(L, 0)
            // Pushed while the memory limit is lifted: an error echoing a huge argument is cut.
            var message = String(describing: error)
            if message.utf8.count > Self.maximumErrorBytes {
                message = message.withUTF8 { bytes in
                    let end = bytes.withMemoryRebound(to: CChar.self) { lantern_utf8_cut($0.baseAddress, $0.count, Self.maximumErrorBytes) }
                    return String(decoding: bytes[..<end], as: UTF8.self)
                }
            }
            stack.pushString(message)
            return -1
        }
    }

    /// Sets a global. With `readOnly`, a sandboxed script can read it but never assign it, and a
    /// table value becomes a read-only proxy (writing to it or any nested table raises).
    public func setGlobal(_ name: String, _ value: LuaValue, readOnly: Bool = false) throws {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        try stack.push(value)
        if readOnly, case .table = value {
            let status = lantern_make_readonly(handle)
            if status != LUA_OK { throw LuaError(kind: Self.kind(of: status), message: popError()) }
        }
        if readOnly && sandbox != nil {
            let status = lantern_fix_global(handle, name)
            if status != LUA_OK { throw LuaError(kind: Self.kind(of: status), message: popError()) }
        } else {
            lua_setglobal(state, name)
        }
    }

    /// Makes field `name` of the table `table` refers to a read-only global of the sandbox.
    func fixGlobal(_ name: String, from table: LuaReference) throws {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        lua_rawgeti(state, lantern_registry_index, lua_Integer(table.slot))
        stack.pushString(name)
        lua_rawget(state, -2)
        let status = lantern_fix_global(handle, name)
        if status != LUA_OK { throw LuaError(kind: Self.kind(of: status), message: popError()) }
    }

    /// Reseeds `math.random` at its first use in the next call (deterministic per event).
    public func seedRandom(_ seed: Int64) { lantern_set_seed(handle, seed) }

    // MARK: Loading and calling

    /// Compiles `code` as text (never bytecode) within the time budget (0: none) and the state's
    /// memory limit; syntax errors name `chunkName` and the line. The parser is handed the text in
    /// small pieces with the limits checked between them, so a source built to compile slowly
    /// stops at the deadline with `.timeLimit`.
    public func load(_ code: String, chunkName: String, timeLimitMilliseconds: UInt32 = 0) throws -> LuaReference {
        var limit: Int32 = 0
        let loaded = code.utf8CString.withUnsafeBufferPointer { buffer -> Int32 in
            // utf8CString always holds its terminator; the length excludes it and keeps inner NULs.
            guard let pointer = buffer.baseAddress else { return LUA_ERRMEM }
            return lantern_load(handle, pointer, buffer.count - 1, "=" + chunkName, timeLimitMilliseconds, &limit)
        }
        if loaded != LUA_OK { throw LuaError(kind: Self.kind(of: loaded, limit: limit), message: popError()) }
        return LuaReference(slot: luaL_ref(state, lantern_registry_index))
    }

    /// Calls `function` with `arguments` within the time budget (0: none); returns its results.
    @discardableResult
    public func call(_ function: LuaReference, _ arguments: [LuaValue] = [],
                     timeLimitMilliseconds: UInt32 = 0) throws -> [LuaValue] {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        lua_rawgeti(state, lantern_registry_index, lua_Integer(function.slot))
        return try callPushed(arguments, timeLimitMilliseconds: timeLimitMilliseconds, base: top)
    }

    /// Calls `function` and keeps its first result in the registry (a module table, say).
    public func callKeepingResult(_ function: LuaReference, _ arguments: [LuaValue] = [],
                                  timeLimitMilliseconds: UInt32 = 0) throws -> (reference: LuaReference, type: String) {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        lua_rawgeti(state, lantern_registry_index, lua_Integer(function.slot))
        for argument in arguments { try stack.push(argument) }
        try protectedCall(argumentCount: Int32(arguments.count), resultCount: 1, timeLimitMilliseconds: timeLimitMilliseconds)
        let type = String(cString: lua_typename(state, lua_type(state, -1)))
        return (LuaReference(slot: luaL_ref(state, lantern_registry_index)), type)
    }

    /// Calls the function stored in field `name` of the table `table` refers to.
    @discardableResult
    public func call(field name: String, of table: LuaReference, _ arguments: [LuaValue] = [],
                     timeLimitMilliseconds: UInt32 = 0) throws -> [LuaValue] {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        try pushFunction(field: name, of: table)
        return try callPushed(arguments, timeLimitMilliseconds: timeLimitMilliseconds, base: top + 1)
    }

    /// Pushes the table `table` refers to and its field `name`, which must be a function (read raw).
    func pushFunction(field name: String, of table: LuaReference) throws {
        lua_rawgeti(state, lantern_registry_index, lua_Integer(table.slot))
        stack.pushString(name)
        lua_rawget(state, -2)
        guard lua_type(state, -1) == LUA_TFUNCTION else {
            throw LuaError(kind: .runtime, message: "'\(name)' is not a function of the module")
        }
    }

    /// The longest error message a host function hands back to Lua, in bytes.
    static let maximumErrorBytes = 4_095

    /// Keys longer than this are never function names a host looks up (hooks, job handlers).
    public static let maximumFunctionNameBytes = 128

    /// The string keys (of at most `maximumFunctionNameBytes`) of the table `table` refers to whose
    /// values are functions, read raw; at most `limit` + 1 of them, so a caller can tell "too many".
    public func functionNames(in table: LuaReference, limit: Int = 1_000) -> [String] {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        lua_rawgeti(state, lantern_registry_index, lua_Integer(table.slot))
        var names: [String] = []
        lua_pushnil(state)
        while lua_next(state, -2) != 0 {
            if lua_type(state, -2) == LUA_TSTRING, lua_type(state, -1) == LUA_TFUNCTION,
               lua_rawlen(state, -2) <= Self.maximumFunctionNameBytes, let name = try? stack.readString(at: -2) {
                names.append(name)
                if names.count > limit { break }
            }
            lua_settop(state, -2)
        }
        return names.sorted()
    }

    /// Releases a reference; the value may then be collected.
    public func release(_ reference: LuaReference) {
        luaL_unref(state, lantern_registry_index, reference.slot)
    }

    /// Compiles `code` as text (never bytecode) and runs it within the time budget (0: none);
    /// returns its first result.
    public func evaluate(_ code: String, chunkName: String = "chunk", timeLimitMilliseconds: UInt32 = 0) throws -> LuaValue {
        let chunk = try load(code, chunkName: chunkName, timeLimitMilliseconds: timeLimitMilliseconds)
        defer { release(chunk) }
        return try call(chunk, timeLimitMilliseconds: timeLimitMilliseconds).first ?? .nil_
    }

    private func callPushed(_ arguments: [LuaValue], timeLimitMilliseconds: UInt32, base: Int32) throws -> [LuaValue] {
        for argument in arguments { try stack.push(argument) }
        try protectedCall(argumentCount: Int32(arguments.count), resultCount: LUA_MULTRET, timeLimitMilliseconds: timeLimitMilliseconds)
        let resultCount = lua_gettop(state) - base
        return try (0..<resultCount).map { try stack.read(at: base + 1 + $0) }
    }

    func protectedCall(argumentCount: Int32, resultCount: Int32, timeLimitMilliseconds: UInt32) throws {
        var limit: Int32 = 0
        let status = lantern_call(handle, argumentCount, resultCount, timeLimitMilliseconds, &limit)
        guard status == LUA_OK else { throw LuaError(kind: Self.kind(of: status, limit: limit), message: popError()) }
    }

    func popError() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        lantern_pop_error(state, &buffer, buffer.count)
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func kind(of status: Int32, limit: Int32) -> LuaError.Kind {
        switch Int(limit) {
        case LANTERN_LIMIT_TIME: .timeLimit
        case LANTERN_LIMIT_MEMORY: .memoryLimit
        default: kind(of: status)
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
