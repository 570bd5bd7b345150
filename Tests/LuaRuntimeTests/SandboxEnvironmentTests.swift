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

    @Test("a metatable with a metatable of its own made weak fails the call, and loses the field")
    func inheritedMetatableMadeWeak() throws {
        let lua = try SandboxedLua()
        try lua.run("Base = {} Class = setmetatable({}, {__index = Base}) object = setmetatable({}, Class)")
        let error = lua.failure(of: "Class.__mode = 'k'")
        #expect(error?.kind == .forbidden)
        #expect(error?.message == "weak tables (__mode) are not available in the sandbox")
        #expect(error?.discardsState == true)
        #expect(try lua.run("return rawget(Class, '__mode')") == .nil_)
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
