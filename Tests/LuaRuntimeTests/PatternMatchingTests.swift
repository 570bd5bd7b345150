import Testing
@testable import LuaRuntime

/// The sandbox's own pattern matcher (design.md rule 6) must give Lua's results: each call here
/// runs in a stock state and a sandboxed one, and the two outcomes (results or error) must agree.
@Suite("Sandbox: pattern matching agrees with Lua's")
struct PatternMatchingTests {
    static let calls: [String] = [
        // find: plain, specials, anchors, init, captures
        #"string.find("hello world", "o w")"#, #"string.find("hello world", "o", 6)"#,
        #"string.find("hello", "l+")"#, #"string.find("hello", "^h")"#, #"string.find("hello", "^e")"#,
        #"string.find("a.b", ".", 1, true)"#, #"string.find("a.b", "%.")"#, #"string.find("abc", "", 10)"#,
        #"string.find("abc", "", 4)"#, #"string.find("abc", "c", -1)"#, #"string.find("abc", "a", -10)"#,
        #"string.find("key = value", "(%w+)%s*=%s*(%w+)")"#, #"string.find("abc", "()b()")"#,
        #"string.find("Đã liên hệ", "liên")"#, #"string.find("x$y", "$y")"#, #"string.find("end", "d$")"#,
        // match: classes, sets, quantifiers
        #"string.match("2026-01-02", "(%d+)-(%d+)-(%d+)")"#, #"string.match("  trim me  ", "^%s*(.-)%s*$")"#,
        #"string.match("KH000123", "^KH(%d%d%d%d%d%d)$")"#, #"string.match("abc123def", "%a+")"#,
        #"string.match("abc123def", "%A+")"#, #"string.match("x = [[y]]", "%[%[(.-)%]%]")"#,
        #"string.match("aaa", "a-b")"#, #"string.match("aaab", "a-b")"#, #"string.match("aaab", "a*")"#,
        #"string.match("b", "a?b")"#, #"string.match("ab", "a?b")"#, #"string.match("]", "[]]")"#,
        #"string.match("a-z", "[a%-z]+")"#, #"string.match("hello", "[^aeiou]+")"#, #"string.match("Hi!", "%p")"#,
        #"string.match("tab\there", "%s")"#, #"string.match("0x1F", "0x(%x+)")"#, #"string.match("ABCdef", "%u+")"#,
        #"string.match("ABCdef", "%l+")"#, #"string.match("a\0b", "%z")"#, #"string.match("ctrl\1", "%c")"#,
        #"string.match("f(a(b)c)d", "%b()")"#, #"string.match("THE (quick) fox", "%f[%a]%a+")"#,
        #"string.match("hello hello", "(h%a+) %1")"#, #"string.match("abab", "(ab)%1")"#,
        #"string.match("x", "()")"#, #"string.match("abc", "[%a_][%w_]*")"#, #"string.match("Lua 5.4", "%d+%.%d+")"#,
        #"string.match("abc", "a", 2)"#, #"string.match("abc", "^b", 2)"#, #"string.match("abc", ".-$")"#,
        // errors
        #"string.match("a", "%")"#, #"string.match("a", "[a")"#, #"string.match("a", "(a")"#,
        #"string.match("a", "a)")"#, #"string.match("a", "%1")"#, #"string.match("a", "%b")"#,
        #"string.match("a", "%f")"#, #"string.find("a", "((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))")"#,
        // gsub: strings, %0-%9, tables, functions, limits, anchors, empty matches
        #"string.gsub("hello world", "o", "0")"#, #"string.gsub("hello world", "(%w+)", "<%1>")"#,
        #"string.gsub("hello", "", "-")"#, #"string.gsub("abc", "%w", "%0%0")"#, #"string.gsub("abc", "b", "%%")"#,
        #"string.gsub("hello world", "%w+", {hello = "xin chào"})"#,
        #"string.gsub("a b c", "%a", function(c) if c == "b" then return nil end return c:upper() end)"#,
        #"string.gsub("abc", "%w", "x", 2)"#, #"string.gsub("aaa", "^a", "b")"#, #"string.gsub("abc", "x*", "-")"#,
        #"string.gsub("abc", "()", "%1")"#, #"string.gsub("abc", "b", "%2")"#, #"string.gsub("abc", "b", "%x")"#,
        #"string.gsub("abc", "b", {b = {}})"#, #"string.gsub("Đã liên hệ", "%s", "_")"#,
        // gmatch
        #"(function() local t = {} for k, v in string.gmatch("a=1, b=2", "(%w+)=(%w+)") do t[#t+1] = k .. v end return table.concat(t, ",") end)()"#,
        #"(function() local t = {} for w in string.gmatch("one two  three", "%a+") do t[#t+1] = w end return table.concat(t, ",") end)()"#,
        #"(function() local n = 0 for w in string.gmatch("abc", "") do n = n + 1 end return n end)()"#,
        #"(function() local t = {} for w in string.gmatch("abcabc", "b", 3) do t[#t+1] = w end return #t end)()"#,
        #"(function() local t = {} for a, b in string.gmatch("abc", "()(.)") do t[#t+1] = a .. b end return table.concat(t) end)()"#,
        // method syntax goes through the same functions
        #"("x=1"):match("(%w)=(%d)")"#, #"("a,b,,c"):gsub(",", ";")"#,
    ]

    /// Runs `call` and renders its results, or its error without the position.
    static func outcome(_ call: String, in lua: LuaState) throws -> LuaValue {
        try lua.evaluate("""
            local r = table.pack(pcall(function() return \(call) end))
            local out = {}
            for i = 1, r.n do out[i] = type(r[i]) .. ":" .. tostring(r[i]):gsub("^[^:]*:%d+: ", "") end
            return table.concat(out, "|")
            """, chunkName: "patterns", timeLimitMilliseconds: 1_000)
    }

    @Test("same outcome as Lua's matcher", arguments: calls)
    func sameOutcome(_ call: String) throws {
        let stock = try LuaState()
        let sandboxed = try SandboxedLua()
        let expected = try Self.outcome(call, in: stock)
        let actual = try Self.outcome(call, in: sandboxed.lua)
        #expect(actual == expected, "\(call)")
    }
}
