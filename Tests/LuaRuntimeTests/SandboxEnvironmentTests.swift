import Foundation
import Testing
@testable import LuaRuntime

/// The environment of plugin-api.md section 6: what is there, what raises, and what is the host's.
@Suite("Sandbox: the environment")
struct SandboxEnvironmentTests {
    @Test("the allow-listed globals and libraries are there", arguments: [
        "assert", "error", "ipairs", "next", "pairs", "pcall", "xpcall", "select", "tonumber", "tostring",
        "type", "rawequal", "rawlen", "rawget", "rawset", "setmetatable", "getmetatable", "require", "print",
        "load", "string.format", "table.concat", "math.floor", "utf8.char", "coroutine.wrap",
        "os.time", "os.date", "os.clock", "os.difftime",
    ])
    func allowedNamesExist(_ name: String) throws {
        let lua = try SandboxedLua()
        #expect(try lua.run("return type(\(name))") == "function")
    }

    @Test("what is not available raises a clear error", arguments: [
        ("io.open('/etc/passwd')", "'io' is not available in the sandbox"),
        ("debug.getinfo(1)", "'debug' is not available in the sandbox"),
        ("package.loadlib('x', 'y')", "'package' is not available in the sandbox"),
        ("dofile('/etc/passwd')", "'dofile' is not available in the sandbox"),
        ("loadfile('/etc/passwd')", "'loadfile' is not available in the sandbox"),
        ("warn('@on')", "'warn' is not available in the sandbox"),
        ("os.execute('true')", "os.execute is not available in the sandbox"),
        ("os.getenv('HOME')", "os.getenv is not available in the sandbox"),
        ("os.exit(1)", "os.exit is not available in the sandbox"),
        ("string.dump(function() end)", "string.dump is not available in the sandbox"),
        ("collectgarbage()", "collectgarbage(\"collect\") is not available"),
        ("collectgarbage('step')", "collectgarbage(\"step\") is not available"),
        ("setmetatable({}, {__gc = function() end})", "__gc metamethods are not available"),
        ("setmetatable({}, {__mode = 'k'})", "weak tables (__mode) are not available"),
        ("getmetatable('').__index = {}", "the string metatable is not available"),
        ("setmetatable(_G, nil)", "cannot change a protected metatable"),
        ("print = nil", "the global 'print' is read-only"),
        ("load('\\27Lua', 'x', 'b')", "binary chunks are not available"),
        ("require('os')", "module 'os' not found: require loads only the plugin's lib/ modules"),
    ])
    func unavailableThingsRaise(_ code: String, _ expected: String) throws {
        let lua = try SandboxedLua()
        let error = #expect(throws: LuaError.self) { try lua.run(code) }
        #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
        #expect(error?.message.hasPrefix("main.lua:1:") == true, "\(String(describing: error))")
    }

    @Test("a metatable cannot gain __gc or __mode after setmetatable", arguments: [
        ("local mt = {} setmetatable({}, mt) mt.__mode = 'k'", "weak tables (__mode) are not available"),
        ("local mt = {} setmetatable({}, mt) mt['__' .. 'mode'] = 'v'", "weak tables (__mode) are not available"),
        ("local mt = {} setmetatable({}, mt) mt.__gc = print", "__gc metamethods are not available"),
        ("local mt = {} setmetatable({}, mt) rawset(mt, '__mode', 'k')", "rawset: weak tables (__mode) are not available"),
        ("local mt = {} setmetatable({}, mt) setmetatable(mt, nil) mt.__mode = 'k'", "weak tables (__mode) are not available"),
        ("local mt = {} setmetatable({}, mt) local o = setmetatable(mt, {}) setmetatable(mt, nil) mt.__mode = 'k'",
         "weak tables (__mode) are not available"),
    ])
    func metatablesStayGuarded(_ code: String, _ expected: String) throws {
        let lua = try SandboxedLua()
        let error = lua.failure(of: code)
        #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
        #expect(error?.message.hasPrefix("main.lua:1:") == true, "\(String(describing: error))")
    }

    @Test("a metatable with a metatable of its own cannot gain __gc or __mode either", arguments: [
        ("C = setmetatable({}, {__index = {}}) setmetatable({}, C) C.__mode = 'k'", "weak tables (__mode) are not available"),
        ("C = {} setmetatable({}, C) setmetatable(C, {__index = {}}) C.__mode = 'k'", "weak tables (__mode) are not available"),
        ("C = {} setmetatable({}, C) setmetatable(C, {}) setmetatable(C, {__index = {}}) C['__' .. 'mode'] = 'k'",
         "weak tables (__mode) are not available"),
        ("local M = {} C = setmetatable({}, M) setmetatable({}, C) M.__newindex = print M.__newindex = nil C.__mode = 'k'",
         "weak tables (__mode) are not available"),
        ("C = setmetatable({}, {__newindex = rawset}) setmetatable({}, C) C.__mode = 'k'", "weak tables (__mode) are not available"),
        ("local D = {} setmetatable({}, D) C = setmetatable({}, {__newindex = D}) setmetatable({}, C) C.__mode = 'k'",
         "weak tables (__mode) are not available"),
        ("C = setmetatable({}, {}) local B = setmetatable({}, C) setmetatable({}, B) C.__mode = 'k'", "weak tables (__mode) are not available"),
        ("C = setmetatable({}, {}) setmetatable({}, C) C.__gc = print", "__gc metamethods are not available"),
        ("C = _G setmetatable({}, _G) __mode = 'k'", "weak tables (__mode) are not available"),
    ])
    func inheritedMetatablesStayGuarded(_ code: String, _ expected: String) throws {
        let lua = try SandboxedLua()
        let error = lua.failure(of: code)
        #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
        #expect(error?.message.hasPrefix("main.lua:1:") == true, "\(String(describing: error))")
        #expect(error?.discardsState == false)
        #expect(try lua.run("return rawget(C, '__mode') == nil and rawget(C, '__gc') == nil") == true)
    }

    /// Class hierarchies whose classes have metatables of their own run behind a hidden proxy in the
    /// sandbox; each program here must give the same answer there as in plain Lua.
    @Test("inherited metatables behave as in plain Lua", arguments: [
        // Method lookup through two levels, a method added to the base later, the base swapped later.
        """
        local Animal = {} Animal.__index = Animal
        function Animal.new(cls, name) return setmetatable({name = name}, cls) end
        function Animal:speak() return self.name .. ' ...' end
        local Dog = setmetatable({}, {__index = Animal}) Dog.__index = Dog
        function Dog:speak() return self.name .. ' woof' end
        local Puppy = setmetatable({}, {__index = Dog}) Puppy.__index = Puppy
        local p = Animal.new(Puppy, 'Rex')
        function Animal:legs() return 4 end
        local before = p:speak() .. ' ' .. p:legs() .. ' ' .. tostring(rawget(Puppy, 'speak'))
        getmetatable(Dog).__index = {speak = function(self) return 'replaced' end, legs = function() return 3 end}
        Dog.speak = nil
        return before .. ' | ' .. p:speak() .. ' ' .. p:legs() .. ' ' .. tostring(getmetatable(Puppy).__index == Dog)
        """,
        // __call constructors, __index and __newindex functions, __newindex tables.
        """
        local log = {}
        local Point = setmetatable({}, {
          __call = function(cls, x, y) return setmetatable({x = x, y = y}, cls) end,
          __index = function(t, k) log[#log + 1] = 'get ' .. k return k .. '!' end,
          __newindex = function(t, k, v) log[#log + 1] = 'set ' .. k rawset(t, k, type(v) == 'number' and v * 2 or v) end,
        })
        Point.__index = Point
        local p = Point(1, 2)
        Point.scale = 5
        local sink = {}
        getmetatable(Point).__newindex = sink
        Point.other = 7
        return p.x .. p.y .. ' ' .. Point.missing .. ' ' .. Point.scale .. ' ' .. tostring(rawget(Point, 'other'))
          .. ' ' .. sink.other .. ' ' .. table.concat(log, ',') .. ' ' .. select('#', Point(1, 2))
        """,
        // Arithmetic, bitwise, concatenation, comparison and length on class tables, from either side.
        """
        local M = {}
        for _, e in ipairs({'add', 'sub', 'mul', 'div', 'mod', 'pow', 'idiv', 'band', 'bor', 'bxor', 'shl', 'shr', 'concat'}) do
          M['__' .. e] = function(a, b) return e .. '(' .. type(a) .. ',' .. type(b) .. ')' end
        end
        M.__unm = function(a) return 'unm' end
        M.__bnot = function(a) return 'bnot' end
        M.__len = function(a) return 42 end
        M.__eq = function(a, b) return true end
        M.__lt = function(a, b) return true end
        M.__le = function(a, b) return false end
        local A = setmetatable({}, M) local B = setmetatable({}, M)
        setmetatable({}, A) setmetatable({}, B)
        local r = {A + 1, 2 - A, A * A, A / 2, A % 2, A ^ 2, A // 2, A & 1, 1 | A, A ~ A, A << 1, 1 >> A,
                   A .. 'x', 'x' .. A, -A, ~A, #A, tostring(A == B), tostring(A < B), tostring(A <= B), tostring(A ~= B)}
        return table.concat(r, ' ')
        """,
        // The defaults where the script's metatable has no handler.
        """
        local Plain = setmetatable({1, 2, 3}, {})
        setmetatable({}, Plain)
        local Other = setmetatable({}, {}) setmetatable({}, Other)
        local function fails(f, ...) return tostring((pcall(f, ...))) end
        local n = 0 for _ in pairs(Plain) do n = n + 1 end
        return #Plain .. ' ' .. n .. ' ' .. tostring(Plain == Other) .. ' ' .. tostring(Plain == Plain)
          .. ' ' .. fails(function() return Plain + 1 end) .. ' ' .. fails(function() return 1 & Plain end)
          .. ' ' .. fails(function() return Plain .. 'x' end) .. ' ' .. fails(function() return Plain < Other end)
          .. ' ' .. fails(function() return Plain() end) .. ' ' .. fails(function() return -Plain end)
          .. ' ' .. tostring(Plain.missing) .. ' ' .. tostring(tostring(Plain):match('^table: ') ~= nil)
          .. ' ' .. table.concat(Plain, ',') .. ' ' .. rawlen(Plain)
        """,
        // __tostring, __name, __pairs, __close and __metatable.
        """
        local closed = 0
        local Named = setmetatable({}, {__name = 'Klass', __close = function() closed = closed + 1 end,
                                        __pairs = function(t) return function(_, k) if not k then return 1, 'one' end end, t, nil end})
        setmetatable({}, Named)
        local Shown = setmetatable({}, {__tostring = function() return 'shown' end})
        setmetatable({}, Shown)
        do local x <close> = Named end
        local keys = {} for k, v in pairs(Named) do keys[#keys + 1] = k .. '=' .. v end
        local Locked = {} setmetatable({}, Locked) setmetatable(Locked, {__metatable = 'locked'})
        return tostring(Named):match('^Klass: ') .. ' ' .. tostring(Shown) .. ' ' .. closed .. ' ' .. table.concat(keys)
          .. ' ' .. getmetatable(Locked) .. ' ' .. tostring(pcall(setmetatable, Locked, {}))
        """,
        // A handler that yields, inside a coroutine; removing and replacing the metatable.
        """
        local Lazy = setmetatable({}, {__index = function(t, k) coroutine.yield('waiting') return k .. ' loaded' end})
        setmetatable({}, Lazy)
        local co = coroutine.wrap(function() return Lazy.page end)
        local first, second = co(), co()
        local M = getmetatable(Lazy)
        setmetatable(Lazy, nil)
        local gone = getmetatable(Lazy) == nil and Lazy.page == nil
        setmetatable(Lazy, M)
        return first .. ' ' .. second .. ' ' .. tostring(gone) .. ' ' .. tostring(getmetatable(Lazy) == M)
        """,
    ])
    func inheritedMetatablesBehaveAsPlainLua(_ program: String) throws {
        let plain = try LuaFloorState.evaluate(program)
        #expect(plain.string != nil, "plain Lua answered \(plain)")
        #expect(try SandboxedLua().run(program) == plain)
    }

    @Test("the guard is invisible: classes, late metamethods and inheritance work as in plain Lua")
    func guardedMetatablesBehave() throws {
        let lua = try SandboxedLua()
        let result = try lua.run("""
            local Account = {}
            Account.__index = Account
            local a = setmetatable({balance = 10}, Account)
            function Account:deposit(v) self.balance = self.balance + v end
            Account.__tostring = function(self) return 'Account(' .. self.balance .. ')' end
            a:deposit(5)
            local Savings = setmetatable({}, {__index = Account})
            Savings.__index = Savings
            Savings.__tostring = Account.__tostring
            local s = setmetatable({balance = 1}, Savings)
            function Savings:interest() return self.balance * 2 end
            s:deposit(1)
            local hidden = getmetatable(Account) == nil and getmetatable(a) == Account
            setmetatable(Account, nil)
            local n = 0 for _ in pairs(Account) do n = n + 1 end
            return tostring(a) .. ' ' .. tostring(s) .. ' ' .. s:interest() .. ' ' .. tostring(hidden) .. ' ' .. n
            """)
        #expect(result == "Account(15) Account(2) 4 true 3")
    }

    @Test("yielding outside a coroutine raises")
    func yieldOutsideACoroutine() throws {
        let lua = try SandboxedLua()
        let error = #expect(throws: LuaError.self) { try lua.run("coroutine.yield(1)") }
        #expect(error?.message == "attempt to yield from outside a coroutine")
    }

    @Test("collectgarbage('count') still answers")
    func garbageCount() throws {
        let lua = try SandboxedLua()
        guard case .number(let kilobytes) = try lua.run("return collectgarbage('count')") else { Issue.record(); return }
        #expect(kilobytes > 1)
    }

    @Test("load is text only and runs in the plugin's environment")
    func loadUsesThePluginEnvironment() throws {
        let lua = try SandboxedLua()
        #expect(try lua.run("answer = 42 return load('return answer')()") == 42)
        #expect(try lua.run("return load('return answer', 'x', 't', {answer = 7})()") == 7)
        let binary = try lua.run("return select(2, load(string.char(27) .. 'Lua'))")
        #expect(binary.string?.contains("attempt to load a binary chunk") == true)
    }

    @Test("print goes to the log, and require loads lib/ modules once")
    func printAndRequire() throws {
        let lua = try SandboxedLua()
        lua.modules["lib/greet.lua"] = "loads = (loads or 0) + 1 return { hello = function(n) return 'Xin chào ' .. n end }"
        try lua.run("print('a', 1, nil, true)")
        #expect(lua.lines.map(\.message) == ["a\t1\tnil\ttrue"])
        #expect(lua.lines.map(\.level) == ["info"])
        #expect(try lua.run("local g = require('lib.greet') require('lib.greet') return g.hello('An') .. loads") == "Xin chào An1")
        lua.modules["lib/broken.lua"] = "return {"
        let error = #expect(throws: LuaError.self) { try lua.run("require('lib.broken')") }
        #expect(error?.message.hasPrefix("lib/broken.lua:1:") == true, "\(String(describing: error))")
    }

    @Test("os.time and os.date follow the injected clock in the tenant's time zone")
    func timeAndDate() throws {
        let lua = try SandboxedLua()
        #expect(try lua.run("return os.time()") == .integer(SandboxedLua.newYear))
        #expect(try lua.run("return os.date('%Y-%m-%d %H:%M')") == "2026-01-01 00:00")
        #expect(try lua.run("return os.date('!%Y-%m-%d %H:%M')") == "2025-12-31 17:00")
        #expect(try lua.run("return os.time{year = 2026, month = 1, day = 1, hour = 0}") == .integer(SandboxedLua.newYear))
        #expect(try lua.run("return os.date('*t').hour") == 0)
        lua.now += 86_400 * 2 + 3_600
        #expect(try lua.run("return os.date('%d/%m %Hh')") == "03/01 01h")
        let error = #expect(throws: LuaError.self) { try lua.run("local t = os.time{year = 2026}") }
        #expect(error?.message == "main.lua:1: field 'month' missing in date table")
    }

    @Test("math.random draws the same numbers for the same seed")
    func seededRandom() throws {
        let lua = try SandboxedLua()
        lua.lua.seedRandom(12345)
        let first = try lua.run("return math.random(1, 1000000) .. ',' .. math.random(1, 1000000)")
        lua.lua.seedRandom(12345)
        let again = try lua.run("return math.random(1, 1000000) .. ',' .. math.random(1, 1000000)")
        lua.lua.seedRandom(999)
        let other = try lua.run("return math.random(1, 1000000) .. ',' .. math.random(1, 1000000)")
        #expect(first == again)
        #expect(first != other)
    }

    @Test("read-only host tables read like tables and refuse writes, nested too")
    func readOnlyTables() throws {
        let lua = try SandboxedLua()
        try lua.lua.setGlobal("config", ["leader": "leader", "support": ["an", "binh"], "nested": ["deep": ["x": 1]]], readOnly: true)
        #expect(try lua.run("return config.leader .. #config.support .. config.support[2] .. config.nested.deep.x") == "leader2binh1")
        #expect(try lua.run("local n = 0 for k in pairs(config) do n = n + 1 end for _, v in ipairs(config.support) do n = n + 1 end return n") == 5)
        for write in ["config.leader = 'x'", "config.support[3] = 'c'", "config.nested.deep.x = 2", "rawset(getmetatable(config), 'x', 1)", "config = {}"] {
            let error = #expect(throws: LuaError.self) { try lua.run(write) }
            #expect(error?.message.hasPrefix("main.lua:1:") == true, "\(write): \(String(describing: error))")
        }
        #expect(try lua.run("return getmetatable(config)") == "read-only")
        // One used as a script's metatable is still the host's: it reads the same and stays read-only.
        #expect(try lua.run("local o = setmetatable({}, config.support) return #config.support .. config.support[2] .. tostring(o.x)") == "2binhnil")
        #expect(lua.failure(of: "config.support.__mode = 'k'")?.message == "main.lua:1: attempt to modify a read-only table")
    }

    @Test("host functions get exact values and raise their errors at the caller's line")
    func hostFunctions() throws {
        let lua = try SandboxedLua()
        var received: [LuaValue] = []
        let echo = lua.lua.register { arguments in received = arguments; return arguments }
        let refuse = lua.lua.register { _ in throw LuaError(kind: .runtime, message: "permission denied: customers.update") }
        try lua.lua.setGlobal("host", ["echo": echo, "refuse": refuse], readOnly: true)
        let back = try lua.run("return host.echo(9007199254740993, 1.5, 'Đã liên hệ', {a = {1, 2}, [3] = true}, nil)")
        #expect(received.count == 5)
        #expect(received[0] == .integer(9_007_199_254_740_993))
        #expect(received[3] == ["a": [1, 2], "3": nil] || received[3].table?.entries[.integer(3)] == .boolean(true))
        #expect(back == .integer(9_007_199_254_740_993))
        let error = #expect(throws: LuaError.self) { try lua.run("local x = 1\nhost.refuse()") }
        #expect(error?.message == "main.lua:2: permission denied: customers.update")
        let caught = try lua.run("local ok, e = pcall(host.refuse) return e")
        #expect(caught.string?.hasSuffix("permission denied: customers.update") == true)
        for bad in ["local t = {} t.t = t host.echo(t)", "host.echo({[{}] = 1})", "host.echo('\\xff')"] {
            let error = #expect(throws: LuaError.self) { try lua.run(bad) }
            #expect(error?.message.hasPrefix("main.lua:1:") == true, "\(bad): \(String(describing: error))")
        }
    }
}
