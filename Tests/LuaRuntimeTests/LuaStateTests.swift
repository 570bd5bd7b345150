import Testing
@testable import LuaRuntime

@Suite("Lua runtime: the toolchain path to Debian's Lua 5.4")
struct LuaStateTests {
    @Test func runsALineOfLua() throws {
        let lua = try LuaState()
        #expect(try lua.evaluate("return 6 * 7") == .integer(42))
        #expect(try lua.evaluate("return _VERSION") == .string("Lua 5.4"))
    }

    @Test func integersStayIntegersAndUTF8RoundTrips() throws {
        let lua = try LuaState()
        #expect(try lua.evaluate("return 2^53 // 1 | 0") == .integer(9_007_199_254_740_992))
        #expect(try lua.evaluate("return 1.5") == .number(1.5))
        #expect(try lua.evaluate("return 'Đã liên hệ'") == .string("Đã liên hệ"))
    }

    @Test func syntaxErrorsNameTheChunkAndLine() throws {
        let lua = try LuaState()
        let error = #expect(throws: LuaError.self) { try lua.evaluate("local x = \n = 1", chunkName: "main.lua") }
        #expect(error?.kind == .syntax)
        #expect(error?.message.hasPrefix("main.lua:2:") == true)
    }

    @Test func runtimeErrorsAreCaughtAndNonStringErrorsReportedByType() throws {
        let lua = try LuaState()
        let error = #expect(throws: LuaError.self) { try lua.evaluate("error('boom')", chunkName: "main.lua") }
        #expect(error?.message == "main.lua:1: boom")
        let trap = #expect(throws: LuaError.self) {
            try lua.evaluate("error(setmetatable({}, {__tostring = function() while true do end end}))")
        }
        #expect(trap?.message == "(error object is a table value)")
        // The state is still usable after errors.
        #expect(try lua.evaluate("return 1 + 1") == .integer(2))
    }

    @Test func emptyCodeAndEmbeddedNULsAreHandled() throws {
        let lua = try LuaState()
        #expect(try lua.evaluate("") == .nil_)
        #expect(try lua.evaluate("return 'a\u{0}b'") == .string("a\u{0}b"))
    }

    @Test func bytecodeIsRefused() throws {
        let lua = try LuaState()
        let error = #expect(throws: LuaError.self) { try lua.evaluate("\u{1B}Lua") }
        #expect(error?.message.contains("binary") == true)
    }
}
