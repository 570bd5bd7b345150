import CLua
import CLuaShim

/// Copies values between Swift and one Lua thread's stack (the main state or a running coroutine)
/// with raw access only: no metamethod of a script ever runs (design.md rules 2 and 3).
struct LuaStack {
    let L: OpaquePointer

    /// Tables nested deeper than this are refused rather than walked.
    static let maximumDepth = 32

    // MARK: Pushing

    /// Pushes `value`. Only called where the memory limit is lifted (setup, or inside a host
    /// function), so the pushes cannot raise.
    func push(_ value: LuaValue) throws {
        guard lua_checkstack(L, 3) != 0 else { throw LuaError.conversion("value nested too deeply for the Lua stack") }
        switch value {
        case .nil_, .opaque: lua_pushnil(L)
        case .boolean(let flag): lua_pushboolean(L, flag ? 1 : 0)
        case .integer(let number): lua_pushinteger(L, number)
        case .number(let number): lua_pushnumber(L, number)
        case .string(let text): pushString(text)
        case .hostFunction(let id): lantern_push_host_function(L, id)
        case .table(let table):
            var arrayCount: Int32 = 0
            while table.entries[.integer(Int64(arrayCount) + 1)] != nil { arrayCount += 1 }
            lua_createtable(L, arrayCount, Int32(table.entries.count) - arrayCount)
            for (key, item) in table.entries {
                // lua_rawset raises on a nil or NaN key, and this push runs unprotected.
                switch key {
                case .nil_, .opaque: throw LuaError.conversion("a table key cannot be nil")
                case .number(let number) where number.isNaN: throw LuaError.conversion("a table key cannot be NaN")
                default: break
                }
                try push(key)
                try push(item)
                lua_rawset(L, -3)
            }
        }
    }

    func pushString(_ text: String) {
        // Native strings lend their UTF-8 bytes without a copy; only bridged ones need `withUTF8`'s.
        let pushed: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in _ = lua_pushlstring(L, chars.baseAddress, chars.count) }
        }
        if pushed != nil { return }
        var text = text
        text.withUTF8 { bytes in
            _ = bytes.withMemoryRebound(to: CChar.self) { chars in lua_pushlstring(L, chars.baseAddress, chars.count) }
        }
    }

    // MARK: Reading

    /// Reads the value at `index`; tables are copied whole (read-only proxies are seen through).
    func read(at index: Int32) throws -> LuaValue {
        var visiting = OpenTables()
        return try read(at: index, sharing: &visiting)
    }

    /// Reads the value at `index` within the copy budget `visiting` carries from earlier reads,
    /// so the arguments of one call are bounded together.
    func read(at index: Int32, sharing visiting: inout OpenTables) throws -> LuaValue {
        try read(at: lua_absindex(L, index), depth: 0, visiting: &visiting)
    }

    /// String keys longer than this are refused: a key is a field, option or payload name, and the
    /// host hashes what it looks up (a Swift hash of a non-ASCII string normalizes all of it).
    static let maximumKeyBytes = 1_024

    private func read(at index: Int32, depth: Int, visiting: inout OpenTables) throws -> LuaValue {
        let type = lua_type(L, index)
        try visiting.budget.charge(L, stringBytes: type == LUA_TSTRING ? Int(lua_rawlen(L, index)) : 0)
        switch type {
        case LUA_TNIL, LUA_TNONE: return .nil_
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(L, index) != 0 { return .integer(lua_tointegerx(L, index, nil)) }
            return .number(lua_tonumberx(L, index, nil))
        case LUA_TSTRING: return .string(try readString(at: index))
        case LUA_TTABLE: return .table(try readTable(at: index, depth: depth, visiting: &visiting))
        default: return .opaque(typeName: String(cString: lua_typename(L, lua_type(L, index))))
        }
    }

    /// The text of the string at `index` (which must be a string, so nothing is converted in place).
    func readString(at index: Int32) throws -> String {
        let bytes = rawBytes(at: index)
        // Most strings a plugin passes are ASCII: checked a word at a time, then copied as they
        // are. The stdlib's `String(validating:as:)` is generic over the encoding and not
        // specialized: it looked its type metadata up on every call, a third of reading a short key.
        if Self.isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw LuaError.conversion("string is not valid UTF-8")
        }
        return text
    }

    /// The bytes of the string at `index`, checked to be UTF-8; valid while the string stays on
    /// the stack. (`index` must hold a string, so nothing is converted in place.)
    func stringBytes(at index: Int32) throws -> UnsafeRawBufferPointer {
        let bytes = rawBytes(at: index)
        guard Self.isUTF8(bytes) else { throw LuaError.conversion("string is not valid UTF-8") }
        return bytes
    }

    /// The bytes of the string at `index`, unchecked (empty when it holds no string).
    private func rawBytes(at index: Int32) -> UnsafeRawBufferPointer {
        var length = 0
        guard let pointer = lua_tolstring(L, index, &length) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pointer, count: length)
    }

    /// Most strings a plugin passes are ASCII: checked a word at a time before the full validation.
    private static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        isASCII(bytes) || String(validating: bytes, as: UTF8.self) != nil
    }

    /// Whether every byte is below 0x80, checked a word at a time.
    private static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset + 8 <= bytes.count {
            if bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            offset += 8
        }
        while offset < bytes.count {
            if bytes[offset] >= 0x80 { return false }
            offset += 1
        }
        return true
    }

    /// Calls `body` with each key and value (each copied) of the table at `index`, read raw like
    /// `read(at:)`, without building the table's dictionary.
    func forEachEntry(at index: Int32, _ body: (LuaValue, LuaValue) throws -> Void) throws {
        var visiting = OpenTables()
        try forEachEntry(ofTableAt: lua_absindex(L, index), depth: 0, visiting: &visiting) { key, visiting in
            try body(try read(at: key, depth: 1, visiting: &visiting), try read(at: key + 1, depth: 1, visiting: &visiting))
        }
    }

    /// Pushes the table at `index` (a read-only proxy seen through), refuses it when nested too
    /// deep or already open around it (`visiting`), and calls `entry` with the stack slot of each
    /// key, its value in the slot above, in `lua_next` order; keys are checked to be strings,
    /// numbers or booleans first. The stack is as it was afterwards, thrown or not.
    func forEachEntry(ofTableAt index: Int32, depth: Int, visiting: inout OpenTables,
                      _ entry: (_ key: Int32, _ visiting: inout OpenTables) throws -> Void) throws {
        guard depth < Self.maximumDepth else { throw LuaError.conversion("table nested more than \(Self.maximumDepth) levels deep") }
        guard lua_checkstack(L, 4) != 0 else { throw LuaError.conversion("table nested too deeply for the Lua stack") }
        lantern_push_unwrapped(L, index)
        let table = lua_gettop(L)
        defer { lua_settop(L, table - 1) }
        // At most `maximumDepth` tables are open at once: a list is searched faster than a set is built.
        guard let identity = lua_topointer(L, table), !visiting.contains(identity) else {
            throw LuaError.conversion("a table contains itself")
        }
        visiting.append(identity)
        defer { visiting.removeLast() }
        lua_pushnil(L)
        while lua_next(L, table) != 0 {
            let keyType = lua_type(L, -2)
            guard keyType == LUA_TSTRING || keyType == LUA_TNUMBER || keyType == LUA_TBOOLEAN else {
                throw LuaError.conversion("table keys must be strings, numbers or booleans, not \(String(cString: lua_typename(L, keyType)))")
            }
            if keyType == LUA_TSTRING, lua_rawlen(L, -2) > Self.maximumKeyBytes {
                throw LuaError.conversion("a table key of \(lua_rawlen(L, -2)) bytes is longer than the \(Self.maximumKeyBytes) a key may be")
            }
            try entry(table + 1, &visiting)
            lua_settop(L, table + 1)
        }
    }

    private func readTable(at index: Int32, depth: Int, visiting: inout OpenTables) throws -> LuaTable {
        var entries: [LuaValue: LuaValue] = [:]
        try forEachEntry(ofTableAt: index, depth: depth, visiting: &visiting) { key, visiting in
            entries[try read(at: key, depth: depth + 1, visiting: &visiting)] = try read(at: key + 1, depth: depth + 1, visiting: &visiting)
        }
        return LuaTable(entries)
    }
}
