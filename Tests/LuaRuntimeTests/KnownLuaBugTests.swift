import Testing
@testable import LuaRuntime

/// Upstream's bug list for Lua 5.4.4, against Debian's build (docs/lua-5.4.4-bugs.md): a covered bug
/// must behave as fixed versions do from every entry point (the plugin's chunk, text given to `load`,
/// a `require`d module); a bug left as "wrong result only" has its behaviour pinned down; a bug the
/// sandbox keeps out of reach has its entry point shown closed.
@Suite("Known Lua 5.4.4 bugs", .serialized)
struct KnownLuaBugTests {
    /// Where a piece of code is compiled: each goes through its own path to the compiler.
    enum Entry: String, CaseIterable, CustomTestStringConvertible {
        case chunk, load, require
        var testDescription: String { rawValue }
    }

    /// Runs `code` (a chunk that returns its result) from `entry`.
    static func run(_ code: String, from entry: Entry, in lua: SandboxedLua) throws -> LuaValue {
        switch entry {
        case .chunk:
            return try lua.run(code)
        case .load:
            return try lua.run("local f = assert(load(\(longString(code)))) return f()")
        case .require:
            lua.modules["lib/victim.lua"] = code
            return try lua.run("return require('lib.victim')")
        }
    }

    /// The error compiling `code` from `entry` fails with (nil when it compiles).
    static func compileError(_ code: String, from entry: Entry, in lua: SandboxedLua) -> String? {
        switch entry {
        case .chunk:
            return lua.failure(of: code)?.message
        case .load:
            let value = try? lua.run("local f, message = load(\(longString(code))) return message")
            return value?.string
        case .require:
            lua.modules["lib/victim.lua"] = code
            return lua.failure(of: "return require('lib.victim')")?.message
        }
    }

    static func longString(_ text: String) -> String {
        var level = 0
        while text.contains("]" + String(repeating: "=", count: level) + "]") { level += 1 }
        let equals = String(repeating: "=", count: level)
        return "[\(equals)[\n\(text)]\(equals)]"
    }

    // MARK: - 997f11f5 'break' may not properly close variable in a 'for' loop (covered)

    /// Loops whose body captures a loop variable and breaks: the closing value (the generic for's
    /// fourth value) must be closed on the way out, and a later <close> must work. Without the
    /// cover `closed` comes out short and the later <close> corrupts the heap (a crash).
    static let breakLoops: [(name: String, body: String, expected: LuaValue)] = [
        ("the upstream case", """
            local function victim()
              for k, v in next, {}, nil, closer() do local function f() return k end break end
              local after <close> = closer()
            end
            victim()
            """, 2),
        ("one variable, break taken on the second pass", """
            local function victim()
              for k in next, {1, 2, 3}, nil, closer() do
                local function f() return k end
                if k == 2 then break end
              end
              local after <close> = closer()
            end
            victim()
            """, 2),
        ("three variables, ipairs-like iterator", """
            local function iter(t, i) i = i + 1 if t[i] then return i, t[i], -i end end
            local function victim()
              for i, v, w in iter, {10, 20, 30}, 0, closer() do
                local f = function() return i + v + w end
                if v == 20 then break end
              end
              local after <close> = closer()
            end
            victim()
            """, 2),
        ("inside a numeric loop, 50 times", """
            local function victim()
              for round = 1, 50 do
                for k, v in next, {a = 1}, nil, closer() do local f = function() return v end break end
              end
              local after <close> = closer()
            end
            victim()
            """, 51),
        ("nested generic loops, both breaking", """
            local function victim()
              for i in next, {1, 2}, nil, closer() do
                for j in next, {1, 2}, nil, closer() do local f = function() return i + j end break end
                local g = function() return i end
                break
              end
              local after <close> = closer()
            end
            victim()
            """, 3),
        ("in a closure five functions deep", """
            local function a() return function() return function() return function() return function()
              for k in next, {1}, nil, closer() do local f = function() return k end break end
              local after <close> = closer()
            end end end end end
            a()()()()()
            """, 2),
        ("at the chunk's own level", """
            for k in next, {1}, nil, closer() do local f = function() return k end break end
            do local after <close> = closer() end
            """, 2),
    ]

    @Test("'break' out of a generic for closes its closing value",
          arguments: Entry.allCases, breakLoops.indices)
    func breakClosesLoop(_ entry: Entry, _ index: Int) throws {
        let loop = Self.breakLoops[index]
        let lua = try SandboxedLua()
        let code = """
            local closed = 0
            local function closer() return setmetatable({}, {__close = function() closed = closed + 1 end}) end
            \(loop.body)
            return closed
            """
        #expect(try Self.run(code, from: entry, in: lua) == loop.expected, "\(loop.name)")
    }

    /// Ordinary loops that capture and break go on working, with their results, after the correction.
    @Test("ordinary loops with captures and breaks keep their results", arguments: Entry.allCases)
    func ordinaryLoops(_ entry: Entry) throws {
        let lua = try SandboxedLua()
        let code = """
            local t, out = {"a", "b", "c", "d"}, {}
            for round = 1, 3 do
              for _, c in ipairs(t) do
                local f = function() return c end
                out[#out + 1] = f()
                if c == "b" then break end
              end
              for k, v in pairs({x = round}) do local g = function() return v end out[#out + 1] = g() end
            end
            local ok, message = pcall(function()
              for k in pairs({1}) do local h = function() return k end break end
              error("after the loop")
            end)
            return table.concat(out, ",") .. "|" .. message
            """
        let value = try Self.run(code, from: entry, in: lua)
        #expect(value.string?.hasPrefix("a,b,1,a,b,2,a,b,3|") == true, "\(value)")
        #expect(value.string?.contains("after the loop") == true, "\(value)")
    }

    // MARK: - 7923dbbf Recursion in 'getobjname' can stack overflow (covered)

    /// Chains of table reads through temporaries: naming the culprit of an error recurses once per
    /// link in 5.4.4 (100,000 links overflow the C stack after seconds of C time; 5,000 take tens of
    /// milliseconds outside any hook). Past 200 links the chunk is refused when it compiles.
    /// `t[t]`, then `t[t][t[t]]`, ...: naming it in an error message visits both the table and the
    /// key of every read, so its cost is the tree's size, not its depth.
    static func readTree(depth: Int) -> String {
        var tree = "t[t]"
        for _ in 1..<depth { tree += "[" + tree + "]" }
        return tree
    }

    static let longChains: [(name: String, code: String)] = [
        ("201 field reads", "local t = {} t.a = t return t" + String(repeating: ".a", count: 201) + " + 1"),
        ("5,000 field reads", "local t = {} t.a = t return t" + String(repeating: ".a", count: 5_000) + " + 1"),
        ("100,000 field reads", "local t = {} t.a = t return t" + String(repeating: ".a", count: 100_000) + " + 1"),
        ("300 indexings by a local key", "local t, k = {}, 'a' t.a = t return t" + String(repeating: "[k]", count: 300) + " + 1"),
        ("a balanced tree of reads 12 levels deep (8,191 visits)", "local t = {} t[t] = t return " + Self.readTree(depth: 12) + " + 1"),
        ("a tree of reads 8 levels deep (511 visits)", "local t = {} t[t] = t return " + Self.readTree(depth: 8) + " + 1"),
        ("a chain inside a nested function", "local t = {} t.a = t local function f() return function() return t"
            + String(repeating: ".a", count: 1_000) + "() end end return f()()"),
    ]

    @Test("chains of table reads past the bound are refused at compile time",
          arguments: Entry.allCases, longChains.indices)
    func longChainsRefused(_ entry: Entry, _ index: Int) throws {
        let lua = try SandboxedLua()
        let message = Self.compileError(Self.longChains[index].code, from: entry, in: lua)
        #expect(message?.contains("table reads in one expression") == true,
                "\(Self.longChains[index].name): \(String(describing: message))")
        #expect(message?.contains("Lua 5.4.4 bug") == true)
    }

    @Test("chains within the bound run, with Lua's own message", arguments: Entry.allCases)
    func shortChainsRun(_ entry: Entry) throws {
        let lua = try SandboxedLua()
        let code = "local t = {} t.a = t local ok, m = pcall(function() return t" + String(repeating: ".a", count: 150)
            + " + 1 end) return m"
        let value = try Self.run(code, from: entry, in: lua)
        #expect(value.string?.contains("attempt to perform arithmetic on a table value (field 'a')") == true, "\(value)")
    }

    // MARK: - Reachable, wrong result only (not memory hazards): the behaviour is pinned down

    /// Each: code, Debian 5.4.4's result, the fixed versions' result. Either is accepted (so that a
    /// library upgrade passes), and neither crashes; see the table for why none is a memory hazard.
    static let wrongResults: [(bug: String, code: String, debian: LuaValue, fixed: LuaValue)] = [
        ("c764ca71 bitwise with constants, >256 constants",
         "local code = {'local x = {'} for i = 1, 257 do code[#code + 1] = i .. '.1,' end "
            + "return load(table.concat(code) .. '}; return (1 ~ (2 or 3))')()", 0, 3),
        ("782ef85b index by a comparison, upvalue table",
         "local up = {[true] = 'yes'} local function f(a, b) return up[a < b] end "
            + "local ok, v = pcall(f, 1, 2) return ok and v == 'yes'", false, true),
        ("02bab9fc line of an integer division by zero",
         "local ok, m = pcall(load('local a = 1\\nlocal b = 0\\nreturn a // b', '=x')) return m",
         "x:1: attempt to divide by zero", "x:3: attempt to divide by zero"),
        ("d1ee2a4d fields of the string '_ENV'",
         "local ok, m = pcall(load(\"return ('_ENV').x + 1\", '=x')) return m",
         "x:1: attempt to perform arithmetic on a nil value (global 'x')",
         "x:1: attempt to perform arithmetic on a nil value (field 'x')"),
    ]

    @Test("wrong results of 5.4.4 stay wrong results", arguments: wrongResults.indices)
    func wrongResultsOnly(_ index: Int) throws {
        let bug = Self.wrongResults[index]
        let lua = try SandboxedLua()
        let value = try lua.run(bug.code)
        #expect(value == bug.debian || value == bug.fixed, "\(bug.bug): \(value)")
    }

    // MARK: - Not reachable: the entry point is closed

    static let closedEntries: [(bug: String, code: String, refusal: String)] = [
        ("ab859fe5 corrupted binary chunks", "return load('\\27Lua', 'x', 'b')", "binary chunks"),
        ("ab859fe5 a binary chunk passed as text", "local f, m = load('\\27Lua\\84\\0') assert(not f) error(m)", "binary"),
        ("string.dump (no bytecode to corrupt)", "return string.dump(function() end)", "not available"),
        ("983bc433 weak metatables", "setmetatable({}, setmetatable({__newindex = {}}, {__mode = 'v'}))", "__mode"),
        ("a1f77a23 full collections", "collectgarbage('collect')", "not available"),
        ("f623b969 strcoll's locale", "os.setlocale('')", "not available"),
    ]

    @Test("entry points of unreachable bugs stay closed", arguments: closedEntries.indices)
    func entryPointsClosed(_ index: Int) throws {
        let entry = Self.closedEntries[index]
        let lua = try SandboxedLua()
        let message = lua.failure(of: entry.code)?.message
        #expect(message?.contains(entry.refusal) == true, "\(entry.bug): \(String(describing: message))")
    }

    @Test("3fe7be95 a __close error while closing a coroutine reaches coroutine.close")
    func messageHandlerNotOverwritten() throws {
        let lua = try SandboxedLua()
        let value = try lua.run("""
            local c = coroutine.create(function()
              local clo <close> = setmetatable({}, {__close = function() local x = 134 error(x) end})
              xpcall(coroutine.yield, function() return "XXX" end)
            end)
            assert(coroutine.resume(c))
            local ok, m = coroutine.close(c)
            return tostring(ok) .. " " .. tostring(m)
            """)
        #expect(value == "false 134")
    }

    /// Covered by SandboxUtf8.c (the sandbox's own utf8 library), which behaves as 5.4.5 does.
    @Test("a1089b41 utf8.codes refuses stray continuation bytes", arguments: ["a\\x80b", "ab\\xbf\\xbf", "\\xe4\\xbd\\xa0\\x80"])
    func utf8CodesStrict(_ text: String) throws {
        let lua = try SandboxedLua()
        let message = lua.failure(of: "for p, c in utf8.codes('\(text)') do end")?.message
        #expect(message?.contains("invalid UTF-8 code") == true, "\(String(describing: message))")
    }

    @Test("f623b969 comparisons of strings with embedded zeros")
    func stringsWithZeros() throws {
        let lua = try SandboxedLua()
        let value = try lua.run(#"return tostring("a\0b" < "a\0c") .. tostring("a\0" < "a") .. tostring("a" < "a\0")"#)
        #expect(value == "truefalsetrue")
    }

    @Test("1e64c139 deep nesting of coroutine.close is bounded (SandboxCoroutine.c, CStack.c)")
    func closeNesting() throws {
        let lua = try SandboxedLua()
        let value = try lua.run("""
            local function chain(n)
              local c = coroutine.create(function() local x <close> = setmetatable({}, {__close = function()
                if n > 0 then assert(coroutine.close(chain(n - 1))) end end}) coroutine.yield() end)
              coroutine.resume(c)
              return c
            end
            local ok, m = coroutine.close(chain(20000))
            return tostring(ok) .. " " .. tostring(m)
            """, timeLimitMilliseconds: 2_000)
        let text = value.string ?? ""
        #expect(text.hasPrefix("false "), "\(value)")
        #expect(text.contains("stack overflow") || text.contains("nested too deeply"), "\(text.prefix(200))")
    }

    @Test("5853c37a concatenations near the size limit stop at the memory limit")
    func hugeConcatenation() throws {
        let lua = try SandboxedLua()
        let error = lua.failure(of: "local s = ('x'):rep(1 << 20) while true do s = s .. s end")
        #expect(error?.kind == .memoryLimit, "\(String(describing: error))")
    }

    @Test("1f3c6f45 _ENV <const> compiles right (Debian's CVE-2022-28805 patch)", arguments: Entry.allCases)
    func constEnvironment(_ entry: Entry) throws {
        let lua = try SandboxedLua()
        let code = "local _ENV <const> = {x = 5, y = {z = 6}} local function f() return y.z end return x + f()"
        #expect(try Self.run(code, from: entry, in: lua) == 11)
    }
}
