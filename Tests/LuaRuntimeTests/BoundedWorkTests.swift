import Testing
@testable import LuaRuntime

/// design.md rule 9: no C loop does more than a fixed amount of work between two looks at the
/// deadline. Each attack below spends seconds in one C call of stock Lua (or of the shim before
/// issue 20) without a hook firing; in the sandbox it must stop at its 100 ms budget. A second suite
/// checks that the rewritten functions still give Lua 5.4's results.
@Suite("Sandbox: bounded work per deadline check", .serialized)
struct BoundedWorkTests {
    static let sets: [String] = [
        #"string.find(("b"):rep(1000), "[" .. ("a"):rep(2e6) .. "]")"#,
        #"string.find(("b"):rep(1000), "[^" .. ("b"):rep(2e6) .. "]")"#,
        #"string.find(("b"):rep(1000), "[" .. ("a-a"):rep(7e5) .. "]")"#,
        #"string.match(("b"):rep(1000), "[" .. ("%a"):rep(1e6) .. "]*c")"#,
        #"string.gsub(("b"):rep(1000), "[" .. ("a"):rep(2e6) .. "]", "")"#,
        // An unclosed 20 MB set: each call scans it whole before refusing the pattern.
        #"local p = "[" .. ("a"):rep(2e7) while true do pcall(string.find, ("b"):rep(30), p) end"#,
    ]
    static let balanced: [String] = [
        #"string.find(("("):rep(4e6), "%b()")"#,
        #"string.gsub(("("):rep(4e6), "%b()", "")"#,
        #"string.find(("<"):rep(4e6), "x*%b<>")"#,
    ]
    static let frontiers: [String] = [
        #"string.find(("b"):rep(1000), "%f[" .. ("a"):rep(2e6) .. "]")"#,
        #"string.find(("b"):rep(1000), "%f[^" .. ("b"):rep(2e6) .. "]x")"#,
        #"string.gsub(("b"):rep(1000), "%f[" .. ("%d"):rep(1e6) .. "]", "")"#,
    ]
    static let captures: [String] = [
        #"string.find(("a"):rep(1e6), "(a*)%1%1b")"#,
        #"string.match(("a"):rep(4e6), "^(.*)%1%1%1x")"#,
        #"local s = ("a"):rep(1e7) .. "b" .. ("a"):rep(1e7) for i = 1, 1e9 do s:find("^(.-)b%1c") end"#,
    ]
    static let replacements: [String] = [
        #"string.gsub(("x"):rep(1e4), "", ("%0"):rep(1e5))"#,
        #"string.gsub(("x"):rep(1e4), "x", ("%0"):rep(1e5))"#,
        #"string.gsub(("x"):rep(100), "(x)()", ("%1%2"):rep(1e5))"#,
        #"local big = ("y"):rep(1e6) string.gsub(("x"):rep(1e4), "", function() return big end)"#,
        #"local big = ("y"):rep(1e6) string.gsub(("x"):rep(1e4), "", setmetatable({}, {__index = function() return big end}))"#,
    ]
    static let globalMatches: [String] = [
        #"for w in string.gmatch(("b"):rep(1000), "[" .. ("a"):rep(2e6) .. "]") do end"#,
        #"for w in string.gmatch(("("):rep(4e6), "%b()") do end"#,
        #"local s = ("a"):rep(1e5) for w in string.gmatch(s, "a-$") do end while true do end"#,
    ]
    static let plainFinds: [String] = [
        #"local s = ("a"):rep(3e7) while true do s:find("b", 1, true) end"#,
        #"local s = ("a"):rep(3e7) while true do s:find(("a"):rep(100) .. "b", 1, true) end"#,
        #"local s = ("ab"):rep(1e7) while true do s:find("abababx") end"#,
        #"local s = ("a"):rep(3e7) while true do s:find(("a"):rep(1e6) .. "b", 1, true) end"#,
    ]
    static let reps: [String] = [
        #"string.rep("x", 6e7)"#,
        #"string.rep("ab", 2e7, ",")"#,
        #"local x = ("x"):rep(1e6) while true do string.rep(x, 20) end"#,
        #"while true do string.rep("", 1e8, ("y"):rep(100)) end"#,
    ]
    static let formats: [String] = [
        #"string.format("%q", ("\0"):rep(1e7))"#,
        #"string.format("%q", ("\1"):rep(1e7))"#,
        #"local t = {} for i = 1, 9e5 do t[i] = i end string.format(("%5.1f"):rep(9e5), table.unpack(t))"#,
        #"local f = ("x"):rep(3e7) while true do string.format(f) end"#,
        #"local f = ("%%"):rep(1.5e7) while true do string.format(f) end"#,
    ]
    static let packs: [String] = [
        #"string.pack(("x"):rep(2e7))"#,
        #"string.pack("c50000000", "")"#,
        #"local f = ("x"):rep(2e7) while true do string.packsize(f) end"#,
        #"local f = ("!"):rep(2e7) while true do string.unpack(f, "") end"#,
        #"local f = ("Xi8"):rep(5e6) while true do string.pack(f) end"#,
        #"local z = ("z"):rep(2e7) while true do string.pack("z", z) end"#,
    ]
    static let textFunctions: [String] = [
        #"local s = ("a"):rep(2e7) while true do s:upper() end"#,
        #"local s = ("a"):rep(2e7) while true do s:lower() end"#,
        #"local s = ("a"):rep(2e7) while true do s:reverse() end"#,
        #"local s = ("a"):rep(2e7) while true do s:byte(1, 9e5) end"#,
    ]
    static let utf8Functions: [String] = [
        #"local s = ("a"):rep(3e7) while true do utf8.len(s) end"#,
        #"local s = ("\u{10000}"):rep(7e6) while true do utf8.len(s) end"#,
        #"local s = ("a"):rep(3e7) while true do utf8.offset(s, 3e7) end"#,
        #"local s = ("a"):rep(3e7) while true do utf8.offset(s, -3e7) end"#,
        #"local s = ("a"):rep(3e7) while true do utf8.codepoint(s, 1, 9e5) end"#,
        #"local s = "a" .. ("\x80"):rep(3e7) local next = utf8.codes(s) while true do next(s, 1) end"#,
    ]
    static let tableFunctions: [String] = [
        #"local t, big = {}, ("x"):rep(1e6) for i = 1, 20 do t[i] = big end while true do table.concat(t) end"#,
        #"local t, y = {"x", "x"}, ("y"):rep(1e7) while true do table.concat(t, y) end"#,
        #"table.concat(setmetatable({}, {__index = function() return ("x"):rep(1e6) end}), "", 1, 100)"#,
        #"local t = setmetatable({}, {__index = function() return 1 end}) while true do table.unpack(t, 1, 9e5) end"#,
    ]

    func expectStopped(_ code: String) throws {
        let lua = try SandboxedLua(memoryLimit: 64 << 20)
        let clock = ContinuousClock()
        let started = clock.now
        let error = lua.failure(of: code, timeLimitMilliseconds: 100)
        let elapsed = clock.now - started
        #expect(error?.isLimit == true, "\(String(describing: error))")
        #expect(elapsed < .seconds(1), "stopped only after \(elapsed)")
    }

    @Test("huge sets [...] stop at the deadline", arguments: sets)
    func hugeSets(_ code: String) throws { try expectStopped(code) }

    @Test("%b over megabytes stops at the deadline", arguments: balanced)
    func balancedRuns(_ code: String) throws { try expectStopped(code) }

    @Test("%f with huge sets stops at the deadline", arguments: frontiers)
    func frontierSets(_ code: String) throws { try expectStopped(code) }

    @Test("long back-references stop at the deadline", arguments: captures)
    func backReferences(_ code: String) throws { try expectStopped(code) }

    @Test("gsub replacements stop at the deadline", arguments: replacements)
    func gsubReplacements(_ code: String) throws { try expectStopped(code) }

    @Test("gmatch stops at the deadline", arguments: globalMatches)
    func gmatchIterations(_ code: String) throws { try expectStopped(code) }

    @Test("plain find over huge subjects stops at the deadline", arguments: plainFinds)
    func plainFind(_ code: String) throws { try expectStopped(code) }

    @Test("string.rep charges bytes copied", arguments: reps)
    func repBytes(_ code: String) throws { try expectStopped(code) }

    @Test("string.format stops at the deadline", arguments: formats)
    func format(_ code: String) throws { try expectStopped(code) }

    @Test("string.pack, unpack and packsize stop at the deadline", arguments: packs)
    func pack(_ code: String) throws { try expectStopped(code) }

    @Test("upper, lower, reverse and byte stop at the deadline", arguments: textFunctions)
    func text(_ code: String) throws { try expectStopped(code) }

    @Test("utf8 functions stop at the deadline", arguments: utf8Functions)
    func utf8(_ code: String) throws { try expectStopped(code) }

    @Test("table.concat and table.unpack stop at the deadline", arguments: tableFunctions)
    func tables(_ code: String) throws { try expectStopped(code) }
}

/// The rewritten string, utf8 and table functions give stock Lua 5.4's results and errors: each call
/// runs in a stock state and a sandboxed one, and the two outcomes must agree.
@Suite("Sandbox: bounded functions agree with Lua's")
struct BoundedResultTests {
    static let calls: [String] = [
        // format
        #"string.format("%d %5d %-5d| %+d % d %05d %i %u", 1, 2, 3, 4, 5, 6, 7, 8)"#,
        #"string.format("%x %X %#x %o %#o %08x", 255, 255, 255, 8, 8, 0xbeef)"#,
        #"string.format("%5.2f %e %E %g %G %.3g %10.4f %-10.1e|", 3.14159, 12345.678, 0.001, 1e20, 1e-5, 2/3, -1.5, 7.25)"#,
        #"string.format("%a %A %.3a", 1.0, 0.5, 3.3)"#, #"#string.format("%.99f", -1.7976931348623157e308)"#,
        #"string.format("%c%c%c|%5c|%-5c|", 72, 105, 0, 65, 66)"#,
        #"string.format("%s %10s %-10s| %.2s %5.1s", "a", "b", "c", "def", "gh")"#,
        #"#string.format("%5s", ("x"):rep(200))"#, #"string.format("%.5s", ("x"):rep(200))"#,
        #"string.format("%s %s %s", 1, 2.5, true)"#,
        #"string.format("%s", setmetatable({}, {__tostring = function() return "T!" end}))"#,
        #"string.format("%q", "a\nb\"c\\d\0e\1" .. "2\127\200\255\r\t")"#,
        #"string.format("%q %q %q", 1/0, -1/0, 0/0)"#,
        #"string.format("%q %q %q %q %q %q", math.mininteger, math.maxinteger, 0.1, -2.0, nil, true)"#,
        #"string.format("%q", {})"#, #"string.format("%5q", "x")"#, #"string.format("%", 1)"#,
        #"string.format("%d")"#, #"string.format("%d", "x")"#, #"string.format("%d", 1.5)"#,
        #"string.format("%d", "10")"#, #"string.format("%y", 1)"#, #"string.format("%F", 1)"#,
        #"string.format("%100d", 1)"#, #"string.format("%-05d|%.3d", 1, 2)"#, #"string.format("%#d", 1)"#,
        #"string.format("%+x", 1)"#, #"string.format("%.3c", 65)"#, #"string.format("%5.", 1)"#,
        #"string.format("%--------------------d", 1)"#, #"string.format("%-------------------d", 1)"#,
        #"string.format("%p", 1)"#, #"string.format("%5p|", nil)"#, #"string.format("%s %s", 1)"#,
        #"string.format("%5s", "a\0b")"#, #"string.format("%s\0%s", "a", "b")"#,
        #"string.format("abc%%def%%")"#, #"("%d"):format("x")"#, #"string.format("%x", -1)"#,
        // pack
        #"string.pack("i4 >i4 <i2 >i2 =i2", 100, 100, 1, 2, 3):byte(1, -1)"#,
        #"string.pack("b B h H l L j J T", -1, 255, -2, 65535, -3, 4, -5, 6, 7):byte(1, -1)"#,
        #"string.pack("i16 >i16 I16", -2, 3, 3):byte(1, -1)"#, #"string.pack("i17", 1)"#,
        #"string.pack("i1", 128)"#, #"string.pack("I1", -1)"#,
        #"string.pack("f d n >f >d", 1.5, 2.25, -3.125, 1.5, 2.25):byte(1, -1)"#,
        #"string.pack("c5 z s1 >s2", "ab", "hello", "hi", "hi"):byte(1, -1)"#,
        #"string.pack("c2", "abc")"#, #"string.pack("c", "abc")"#, #"string.pack("z", "he\0llo")"#,
        #"string.pack("s1", ("x"):rep(256))"#,
        #"string.pack("!4 b i4 !8 b d b Xi4 b", 1, 2, 3, 4, 5, 6):byte(1, -1)"#,
        #"string.pack("!3 b i4", 1, 2)"#, #"string.pack("!4 b Xc b", 1, 2)"#, #"string.pack("!4 b X", 1, 2)"#,
        #"string.pack("x x b x", 5):byte(1, -1)"#, #"string.pack("y", 1)"#, #"string.pack("i4")"#,
        #"string.pack("i" .. ("9"):rep(12), 1)"#,
        #"string.packsize("i4 i8 d")"#, #"string.packsize("!8 b d")"#, #"string.packsize("s")"#,
        #"string.packsize("c2147483647 c2")"#, #"string.packsize(("c1000000000"):rep(3))"#,
        #"string.unpack("<i2 >i2 b B", "\1\0\0\2\255\255")"#,
        #"string.unpack("i16", string.pack("i16", -7))"#, #"string.unpack("I9", ("\255"):rep(9))"#,
        #"string.unpack("f d n", string.pack("f d n", 1.5, 2.25, -3.125))"#,
        #"string.unpack("z z", "ab\0cd\0")"#, #"string.unpack("z", "abc")"#,
        #"string.unpack("s1", "\3abc")"#, #"string.unpack("s1", "\4abc")"#, #"string.unpack("c4", "abc")"#,
        #"string.unpack("b", "abc", -1)"#, #"string.unpack("b", "abc", 5)"#, #"string.unpack("", "abc", 4)"#,
        #"string.unpack("!4 b Xi4 b", string.pack("!4 b Xi4 b", 1, 2))"#,
        #"string.unpack(">j", string.pack(">j", math.mininteger))"#,
        // upper, lower, reverse, byte, rep
        #"("abc"):upper() .. ("ÀBC xyz"):lower() .. ("héllo"):upper() .. ("héllo"):reverse()"#,
        #"("hello"):byte(1, -1)"#, #"("hello"):byte(10)"#, #"("hello"):byte(-2)"#, #"("hello"):byte(0)"#,
        #"("hello"):byte(3, 2)"#, #"("hello"):byte(-100, 100)"#, #"("hello"):byte(1.5)"#,
        #"("x"):rep(5) .. "|" .. ("ab"):rep(3, ",") .. "|" .. ("ab"):rep(1, ",") .. "|" .. ("ab"):rep(0, ",") .. "|" .. (""):rep(3, ",")"#,
        #"(("xyz"):rep(100000, "--")):sub(-20)"#, #"#(("x"):rep(70000) .. "y"):rep(3, "abc")"#,
        // utf8
        #"utf8.len("héllo wörld")"#, #"utf8.len("abc", 5)"#, #"utf8.len("abc", 1, 10)"#,
        #"utf8.len("a\xffb")"#, #"utf8.len("a\xed\xa0\x80b")"#, #"utf8.len("a\xed\xa0\x80b", 1, -1, true)"#,
        #"utf8.len("\xf4\x90\x80\x80")"#, #"utf8.len("\xc0\x80")"#, #"utf8.len("é", 2)"#,
        #"utf8.codepoint("héllo", 1, -1)"#, #"utf8.codepoint("héllo", 3)"#, #"utf8.codepoint("abc", 0)"#,
        #"utf8.codepoint("\u{7FFFFFFF}", 1, -1, true)"#, #"utf8.codepoint("\u{7FFFFFFF}")"#,
        #"utf8.char(72, 233, 0x10FFFF, 0x7FFFFFFF, 0)"#, #"utf8.char()"#, #"utf8.char(-1)"#,
        #"utf8.char(1, 2, "x")"#,
        #"utf8.offset("héllo", 3)"#, #"utf8.offset("héllo", -1)"#, #"utf8.offset("héllo", 0, 3)"#,
        #"utf8.offset("héllo", 1, 3)"#, #"utf8.offset("héllo", 10)"#, #"utf8.offset("héllo", -10)"#,
        #"utf8.offset("héllo", 1, 7)"#, #"utf8.offset("", -1)"#, #"utf8.offset("abc", 5)"#,
        #"(function() local t = {} for p, c in utf8.codes("héllo") do t[#t+1] = p .. ":" .. c end return table.concat(t, ",") end)()"#,
        #"(function() local t = {} for p, c in utf8.codes("a\xffb") do t[#t+1] = p .. ":" .. c end return table.concat(t, ",") end)()"#,
        #"(function() local t = {} for p, c in utf8.codes("a\xed\xa0\x80b", true) do t[#t+1] = p .. ":" .. c end return table.concat(t, ",") end)()"#,
        // table
        #"table.concat({1, 2, "three", 4.5}, ", ")"#, #"table.concat({"a", "b", "c"}, "-", 2, 3)"#,
        #"table.concat({"a", {}, "c"})"#, #"table.concat({"a", "b"}, "-", 1, 3)"#,
        #"table.unpack({1, 2, 3}, 2, 5)"#, #"table.unpack({}, 1, 1e7)"#,
        #"table.unpack({}, math.maxinteger - 1, math.maxinteger)"#,
        #"table.unpack(setmetatable({}, {__len = function() return 2 end, __index = function(_, k) return k end}))"#,
        // patterns: long sets, captures, plain finds across window edges
        #"string.find(("a"):rep(200000) .. "b", ("a"):rep(70000) .. "b", 1, true)"#,
        #"string.find(("ab"):rep(100000), "ba", 150000, true)"#, #"string.find(("x"):rep(140000) .. "yz", "yz")"#,
        #"#string.match(("a"):rep(3000) .. "b", "[" .. ("c"):rep(3000) .. "ab]+")"#,
        #"#string.match(("("):rep(70000) .. (")"):rep(70000), "%b()")"#,
        #"string.match("THE (quick) fox", "%f[" .. ("%a"):rep(70000) .. "]%a+")"#,
        #"#string.match(("ab"):rep(70000) .. "|" .. ("ab"):rep(70000), "^(.-)|%1$")"#,
        #"#string.gsub(("ab"):rep(4), "(a)(b)", ("%2%1"):rep(40000))"#,
        #"string.gsub("hello world", "(o)", "[%1%0%%]")"#, #"string.gsub("abc", "(b)()", "%2%1")"#,
        #"string.gsub("abc", "b", "x%")"#, #"string.gsub("abc", "b", 5.5)"#, #"string.gsub("abc", "b", {b = 7.5})"#,
    ]

    static func outcome(_ call: String, in lua: LuaState) throws -> LuaValue {
        try lua.evaluate("""
            local r = table.pack(pcall(function() return \(call) end))
            local out = {}
            for i = 1, r.n do out[i] = type(r[i]) .. ":" .. tostring(r[i]):gsub("^[^:]*:%d+: ", "") end
            -- Compared as text: bytes outside ASCII are written as their numbers.
            return (table.concat(out, "|"):gsub("[\\128-\\255]", function(c) return "\\\\" .. c:byte() end))
            """, chunkName: "bounded", timeLimitMilliseconds: 5_000)
    }

    @Test("same outcome as Lua's", arguments: calls)
    func sameOutcome(_ call: String) throws {
        let stock = try LuaState()
        let sandboxed = try SandboxedLua(memoryLimit: 64 << 20)
        let expected = try Self.outcome(call, in: stock)
        let actual = try Self.outcome(call, in: sandboxed.lua)
        #expect(actual == expected, "\(call)")
    }

    static let known: [(call: String, result: String)] = [
        (#"string.format("%5.2f|%x|%q|%s", 3.14159, 255, "a\nb", nil)"#, " 3.14|ff|\"a\\\nb\"|nil"),
        (#"string.format("%q", 0.5)"#, "0x1p-1"),
        (#"string.format("%-5d|%05.1f", 42, 2.25)"#, "42   |002.2"),
        (#"string.pack(">I2 s1", 258, "hi"):byte(1, -1)"#, "1"),
        (##"select("#", string.pack("<i4", -2):byte(1, -1))"##, "4"),
        (#"table.concat({string.pack("<i4", -2):byte(1, -1)}, ",")"#, "254,255,255,255"),
        (#"table.concat({string.unpack("<h z", "\255\255hi\0")}, ",")"#, "-1,hi,6"),
        (#"string.packsize("!8 b d i2")"#, "18"),
        (#"utf8.len("Đã liên hệ")"#, "10"),
        (#"utf8.char(68, 0x1EA1, 0x10FFFF)"#, "D\u{1EA1}\u{10FFFF}"),
        (#"utf8.offset("Đã liên hệ", 3)"#, "5"),
        (#"table.concat({utf8.codepoint("Đã", 1, -1)}, ",")"#, "272,227"),
        (#"string.rep("ab", 3, ", ")"#, "ab, ab, ab"),
    ]

    @Test("known results", arguments: known)
    func knownResults(_ sample: (call: String, result: String)) throws {
        let lua = try SandboxedLua(memoryLimit: 64 << 20)
        let value = try lua.run("return tostring((\(sample.call)))")
        #expect(value == .string(sample.result), "\(sample.call)")
    }

    /// Lua 5.4.5 (upstream commit a1089b41) refuses spurious continuation bytes in utf8.codes, which
    /// Debian's 5.4.4 skips: the sandbox behaves as 5.4.5 and later.
    @Test("utf8.codes refuses spurious continuation bytes, as Lua 5.4.5 does", arguments: [
        #"for p, c in utf8.codes("a\x80") do end"#,
        #"for p, c in utf8.codes("\x80abc") do end"#,
        #"for p, c in utf8.codes("é\x80x") do end"#,
        #"for p, c in utf8.codes("ab\xbf", true) do end"#,
    ])
    func codesRefuseContinuations(_ code: String) throws {
        let lua = try SandboxedLua(memoryLimit: 64 << 20)
        let error = lua.failure(of: code)
        #expect(error?.message.contains("invalid UTF-8 code") == true, "\(String(describing: error))")
    }
}
