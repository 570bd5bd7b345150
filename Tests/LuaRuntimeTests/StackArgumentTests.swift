import Testing
@testable import LuaRuntime

/// Host functions that read their arguments off the stack (`registerReadingArguments`) and walk
/// tables with a `LuaValueVisitor`: they must see exactly what a copied `LuaValue` holds, and
/// refuse the same hostile tables with the same errors.
@Suite("Lua runtime: arguments read off the stack")
struct StackArgumentTests {
    /// Rebuilds the walked value, so a walk can be compared with a copy of the same argument.
    struct Rebuilder: LuaValueVisitor {
        private var open: [(table: LuaTable, key: LuaValue?)] = []
        private(set) var result: LuaValue?
        private(set) var others: [String] = []

        private mutating func deliver(_ value: LuaValue) {
            guard var top = open.popLast() else { result = value; return }
            if let key = top.key { top.table.entries[key] = value; top.key = nil } else { top.key = value }
            open.append(top)
        }

        mutating func visitNil() { deliver(.nil_) }
        mutating func visit(boolean: Bool) { deliver(.boolean(boolean)) }
        mutating func visit(integer: Int64) { deliver(.integer(integer)) }
        mutating func visit(number: Double) { deliver(.number(number)) }
        mutating func visit(string: UnsafeRawBufferPointer) { deliver(.string(String(decoding: string, as: UTF8.self))) }
        mutating func visit(other typeName: String) { others.append(typeName); deliver(.opaque(typeName: typeName)) }
        mutating func beginTable() { open.append((LuaTable(), nil)) }
        mutating func beginKey(index: Int) {}
        mutating func beginValue() {}
        mutating func endEntry() {}
        mutating func endTable() { deliver(.table(open.removeLast().table)) }
    }

    /// A global `host.walk(...)` that walks every argument and copies it too, keeping both.
    final class Walker {
        let lua: SandboxedLua
        var walked: [LuaValue] = []
        var copied: [LuaValue] = []
        var others: [String] = []

        init() throws {
            lua = try SandboxedLua()
            let walk = lua.lua.registerReadingArguments { [unowned self] arguments in
                walked = []; copied = []; others = []
                for index in 0..<(arguments.count + 1) {   // one past the end reads as nil
                    var rebuilder = Rebuilder()
                    try arguments.walk(index, with: &rebuilder)
                    walked.append(rebuilder.result ?? .opaque(typeName: "nothing"))
                    others += rebuilder.others
                    copied.append(try arguments.value(index))
                }
                return [.integer(Int64(arguments.count)), .boolean(arguments.isTable(0)), .boolean(arguments.isNil(1))]
            }
            try lua.lua.setGlobal("host", ["walk": walk], readOnly: true)
            try lua.lua.setGlobal("config", ["reps": ["an", "bình"], "wait": ["days": 2]], readOnly: true)
        }
    }

    @Test("a walk sees exactly what a copy holds: every kind of value, nested, read-only proxies seen through")
    func walkMatchesCopy() throws {
        let walker = try Walker()
        let answer = try walker.lua.run("""
            local shared = {1, 2}
            local count, isTable, isNil = host.walk({id = 42, ratio = 0.1, big = math.maxinteger, name = "Đã liên hệ",
              [1] = true, [2.5] = "x", [false] = {}, a = shared, b = shared, reps = config.reps, wait = config.wait}, nil, 7, "s")
            return count .. tostring(isTable) .. tostring(isNil)
            """)
        #expect(answer == "4truetrue")
        #expect(walker.walked == walker.copied)
        #expect(walker.walked.count == 5)
        let payload = try #require(walker.walked.first?.table)
        #expect(payload["reps"] == ["an", "bình"])
        #expect(payload["wait"] == ["days": 2])
        #expect(payload["a"] == payload["b"])   // shared, not a cycle
        #expect(payload["big"] == .integer(Int64.max))
        #expect(walker.walked[1] == .nil_ && walker.walked[2] == .integer(7) && walker.walked[4] == .nil_)
    }

    @Test("values the host does not copy reach the visitor by type name")
    func othersByName() throws {
        let walker = try Walker()
        try walker.lua.run("host.walk({f = print, co = coroutine.create(function() end)})")
        #expect(walker.others.sorted() == ["function", "thread"])
    }

    @Test("a table open several times side by side is no cycle; deep nesting past the inline four reads whole")
    func sharedAndDeepTables() throws {
        let walker = try Walker()
        _ = try walker.lua.run("local s = {1} local d = {} local n = d for i = 1, 10 do n.c = {s, s} n = n.c end host.walk(d)")
        var value = try #require(walker.walked.first)
        for _ in 0..<10 { value = try #require(value.table?["c"]) }
        let shared = LuaValue.table(LuaTable(array: [.integer(1)]))
        #expect(value == .table(LuaTable(array: [shared, shared])))
        #expect(walker.walked.first == walker.copied.first)
    }

    @Test("string and integer arguments are read as they are, anything else left to the caller")
    func scalarArguments() throws {
        let lua = try SandboxedLua()
        var seen: [String] = []
        let probe = lua.lua.registerReadingArguments { arguments in
            seen = try (0..<3).map { index in
                "\(try arguments.string(index).map { "s:" + $0 } ?? "-") \(arguments.integer(index).map { "i:\($0)" } ?? "-")"
            }
            return []
        }
        try lua.lua.setGlobal("probe", probe)
        _ = try lua.run("probe('Đã liên hệ', 42)")
        #expect(seen == ["s:Đã liên hệ -", "- i:42", "- -"])
        _ = try lua.run("probe(4.5, '7', {})")
        #expect(seen == ["- -", "s:7 -", "- -"])
        #expect(lua.failure(of: "probe('\\xff')")?.message.contains("string is not valid UTF-8") == true)
    }

    @Test("hostile tables are refused as a copy refuses them, at the caller's line", arguments: [
        ("local t = {} t.t = t host.walk(t)", "a table contains itself"),
        ("local t = {} for i = 1, 40 do t = {t} end host.walk(t)", "table nested more than 32 levels deep"),
        ("host.walk({[{}] = 1})", "table keys must be strings, numbers or booleans, not table"),
        // A cycle closing past the first four open tables (kept inline), and one spanning them.
        ("local t = {} local n = t for i = 1, 6 do n.c = {} n = n.c end n.back = t.c.c.c.c.c host.walk(t)", "a table contains itself"),
        ("local t = {} local n = t for i = 1, 6 do n.c = {} n = n.c end n.back = t host.walk(t)", "a table contains itself"),
        ("host.walk({{{{{{{{[{}] = 'deep'}}}}}}}}, 'x')", "table keys must be strings, numbers or booleans, not table"),
        ("host.walk({name = '\\xff'})", "string is not valid UTF-8"),
        ("host.walk({name = 'Nguy\\xe1\\xbb'})", "string is not valid UTF-8"),
    ])
    func hostileTables(code: String, message: String) throws {
        let walker = try Walker()
        let error = walker.lua.failure(of: code)
        #expect(error?.message.hasPrefix("main.lua:1:") == true, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        // The state is usable afterwards: the failed walk left the stack balanced.
        #expect(try walker.lua.run("return select(1, host.walk({ok = 'vâng'}))") == .integer(1))
        #expect(walker.walked.first == ["ok": "vâng"])
    }
}
