import Testing
@testable import LuaRuntime

/// The attacks of design.md on the sandbox's limits at the runtime layer, with the budgets of the
/// hostile-input suite (100 ms, 16 MiB): each is stopped with the limit's error, and the process
/// goes on. (The plugin host's suite runs them again inside real hooks.)
@Suite("Sandbox: limits hold against escapes", .serialized)
struct SandboxLimitTests {
    static let runaways: [String] = [
        "xpcall(function() error('x') end, function() while true do end end)",
        "xpcall(function() while true do end end, function() while true do end end)",
        "coroutine.wrap(function() while true do end end)()",
        "local co = coroutine.create(function() while true do end end) coroutine.resume(co)",
        "while true do coroutine.wrap(function() end)() end",
        "while true do local co = coroutine.create(function() coroutine.yield() end) coroutine.resume(co) end",
        "coroutine.wrap(function() coroutine.wrap(function() pcall(function() while true do end end) end)() end)()",
        "local co = coroutine.wrap(function() while true do coroutine.yield() end end) while true do co() end",
        "do local x <close> = setmetatable({}, {__close = function() while true do end end}) end",
        "local co = coroutine.create(function() local x <close> = setmetatable({}, {__close = function() while true do end end}) coroutine.yield() end) coroutine.resume(co) coroutine.close(co)",
        "string.find(('a'):rep(200), '.-.-.-.-b$')",
        "string.match(('a'):rep(5000), '(.-)*(.-)*(.-)*b')",
        "string.gsub(('a'):rep(200), '.-.-.-.-b$', 'x')",
        "for w in string.gmatch(('a'):rep(200), '.-.-.-.-b') do end",
        "table.move({}, 1, math.maxinteger - 1, 1)",
        "table.move({}, 1, 1 << 62, 2, {})",
        "table.insert(setmetatable({}, {__len = function() return math.maxinteger - 1 end}), 1, 'x')",
        "table.remove(setmetatable({}, {__len = function() return 1 << 50 end}), 1)",
        "table.sort(setmetatable({}, {__len = function() return (1 << 31) - 2 end, __index = rawlen}))",
        "table.concat(setmetatable({}, {__index = function() return '' end}), '', 1, math.maxinteger)",
        "local t = {} for i = 1, 100 do t[i] = i end table.sort(t, function(a, b) while true do end end)",
        "while true do pcall(string.rep, 'x', 1 << 40) end",
        "local ok = pcall(coroutine.wrap(function() while true do end end)) while true do end",
    ]

    @Test("runaway code is stopped at the deadline", arguments: runaways)
    func runawaysStop(_ code: String) throws {
        let lua = try SandboxedLua()
        let clock = ContinuousClock()
        let started = clock.now
        let error = lua.failure(of: code)
        let elapsed = clock.now - started
        #expect(error?.isLimit == true, "\(String(describing: error))")
        #expect(elapsed < .seconds(2), "stopped only after \(elapsed)")
    }

    static let bombs: [String] = [
        "string.rep('x', 1 << 40)",
        "local t = {} while true do t[#t + 1] = ('x'):rep(1 << 16) .. #t end",
        "local parts = {} for i = 1, 1e7 do parts[i] = 'xxxxxxxx' end return table.concat(parts)",
        "local s = ('x'):rep(1 << 20) while true do s = s .. s end",
        "local t = {} while true do local ok = pcall(function() t[#t + 1] = {1, 2, 3, 4} end) end",
        "local co = coroutine.wrap(function() local t = {} while true do t[#t + 1] = {} end end) co()",
        "xpcall(function() local t = {} while true do t[#t + 1] = {} end end, function(e) local s = {} while true do s[#s+1] = {} end end)",
        "return ('x'):rep(100):gsub('', ('y'):rep(1 << 20))",
        "local t = {} for i = 1, 1e8 do t[i] = i end",
    ]

    @Test("memory bombs are stopped at the limit", arguments: bombs)
    func bombsStop(_ code: String) throws {
        let lua = try SandboxedLua()
        let error = lua.failure(of: code, timeLimitMilliseconds: 3_000)
        #expect(error?.kind == .memoryLimit, "\(String(describing: error))")
        #expect(lua.lua.memoryInUse <= (16 << 20) + LuaState.memoryGraceBytes)   // the unwinding's grace past the limit
    }

    @Test("a long coroutine.close chain is refused, not a crash")
    func closeChainIsBounded() throws {
        let lua = try SandboxedLua(memoryLimit: 64 << 20)
        let code = """
            local previous
            for i = 1, 20000 do
              local inner = previous
              previous = coroutine.create(function()
                local x <close> = setmetatable({}, {__close = function()
                  if inner then local ok, e = coroutine.close(inner) if not ok then error(e, 0) end end
                end})
                coroutine.yield()
              end)
              coroutine.resume(previous)
            end
            return select(2, coroutine.close(previous))
            """
        let message = try lua.run(code, timeLimitMilliseconds: 5_000)
        #expect(message.string?.contains("coroutine.close nested too deeply") == true, "\(message)")
    }

    @Test("parsing is bounded: huge and deeply nested chunks fail with an error")
    func parserInputsAreBounded() throws {
        let lua = try SandboxedLua()
        let huge = #expect(throws: LuaError.self) { try lua.run("return load(('x = 1 '):rep(400000))") }
        #expect(huge?.message.contains("larger than the sandbox's") == true, "\(String(describing: huge))")
        let nested = try lua.run("return select(2, load('return ' .. ('('):rep(10000) .. '1' .. (')'):rep(10000)))")
        #expect(nested.string?.contains("overflow") == true || nested.string?.contains("levels") == true, "\(nested)")
    }

    @Test("ordinary library use is unchanged under the limits")
    func ordinaryUse() throws {
        let lua = try SandboxedLua()
        #expect(try lua.run("local t = {5, 3, 9, 1} table.sort(t) return table.concat(t, ',')") == "1,3,5,9")
        #expect(try lua.run("local t = {'b', 'a', 'c'} table.sort(t, function(x, y) return x > y end) return table.concat(t)") == "cba")
        #expect(try lua.run("local t = {1, 2, 3} table.insert(t, 1, 0) table.insert(t, 4) return table.concat(t, ',') .. ':' .. table.remove(t, 1) .. table.remove(t)") == "0,1,2,3,4:04")
        #expect(try lua.run("return table.concat(table.move({1, 2, 3}, 1, 3, 2), ',')") == "1,1,2,3")
        #expect(try lua.run("return ('ab'):rep(3, '-')") == "ab-ab-ab")
        #expect(try lua.run("return string.rep('', math.maxinteger) .. string.rep('', math.maxinteger, '')") == "")
        #expect(try lua.run("local ok, a, b = pcall(function() return 1, 2 end) return tostring(ok) .. a .. b") == "true12")
        #expect(try lua.run("local ok, e = xpcall(function() error({code = 7}) end, function(e) return e.code * 6 end) return e") == 42)
        #expect(try lua.run("local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end) return co(1) + co(10)") == 22)
        #expect(try lua.run("local co = coroutine.create(function() pcall(coroutine.yield, 5) return 6 end) local _, a = coroutine.resume(co) local _, b = coroutine.resume(co) return a + b") == 11)
        #expect(try lua.run("local ok, e = pcall(coroutine.wrap(function() error('inner') end)) return e") == "main.lua:1: inner")
    }
}
