import CRMCore
import Foundation
import Testing
@testable import PluginHost

/// design.md's hostile inputs, each inside a hook of a real loaded plugin with `time_ms = 100` and
/// `memory_mb = 16`. For each: the invocation fails with a clear error, its write is rolled back,
/// the same plugin serves the next event, another tenant's plugin is unaffected, and the process
/// is alive (the suite goes on). Serialized: the budgets are wall time, and 42 attacks spinning
/// side by side on two cores would starve each other into the wrong limit.
@Suite("Plugin host: hostile inputs", .serialized)
struct HostileInputTests {
    /// (name, Lua run inside the hook after a write, words the recorded error must contain)
    static let attacks: [(String, String, String)] = [
        ("infinite loop", "while true do end", "time limit exceeded"),
        ("loop inside pcall", "while true do pcall(function() while true do end end) end", "time limit exceeded"),
        ("loop in an xpcall handler", "xpcall(error, function() while true do end end)", "time limit exceeded"),
        ("loop in a __close handler", "do local x <close> = setmetatable({}, {__close = function() while true do end end}) end", "time limit exceeded"),
        ("loop in a coroutine", "coroutine.wrap(function() while true do end end)()", "time limit exceeded"),
        ("thousands of coroutines", "while true do coroutine.wrap(function() coroutine.yield() end)() end", "time limit exceeded"),
        ("loop in a sort comparator", "local t = {} for i = 1, 50 do t[i] = i end table.sort(t, function() while true do end end)", "time limit exceeded"),
        ("backtracking pattern", "string.find(('a'):rep(200), '.-.-.-.-b$')", "time limit exceeded"),
        ("rep of nothing forever", "local s = string.rep('', math.maxinteger) while true do end", "time limit exceeded"),
        ("table.move over a huge range", "table.move({}, 1, math.maxinteger - 1, 1)", "time limit exceeded"),
        ("remove with a huge __len", "table.remove(setmetatable({}, {__len = function() return 1 << 50 end}), 1)", "time limit exceeded"),
        ("table bomb", "local t = {} while true do t[#t + 1] = {('x'):rep(100):byte(1, -1)} end", "memory limit exceeded"),
        ("string bomb", "local s = 'x' while true do s = s .. s end", "memory limit exceeded"),
        ("huge rep", "local s = ('x'):rep(1 << 40)", "memory limit exceeded"),
        ("huge concatenation", "local s, t = ('x'):rep(1 << 20), {} for i = 1, 20 do t[i] = s end local r = table.concat(t)", "memory limit exceeded"),
        ("memory bomb caught by pcall", "local t = {} while true do pcall(function() t[#t + 1] = ('y'):rep(1 << 18) .. #t end) end", "memory limit exceeded"),
        ("full memory, then a host call",
         "local t = {} pcall(function() while true do t[#t + 1] = ('z'):rep(1 << 16) .. #t end end) crm.customers.find{}", "memory limit exceeded"),
        ("string.dump", "string.dump(function() end)", "string.dump is not available in the sandbox"),
        ("bytecode load", "assert(load(string.char(27) .. 'Lua', 'x', 'b'))", "binary chunks are not available"),
        ("load reaching real globals", "assert(load('return io.open')())", "'io' is not available in the sandbox"),
        ("string metatable poisoning", "getmetatable('').__index = function() return 'pwned' end", "the string metatable is not available"),
        ("_G metatable removal", "setmetatable(_G, nil)", "cannot change a protected metatable"),
        ("debug library", "debug.sethook()", "'debug' is not available in the sandbox"),
        ("package.loadlib", "package.loadlib('libc.so.6', 'system')", "'package' is not available in the sandbox"),
        ("io", "io.open('/etc/passwd')", "'io' is not available in the sandbox"),
        ("os.execute", "os.execute('touch /tmp/lantern-pwned')", "os.execute is not available in the sandbox"),
        ("warn flood", "for i = 1, 1e6 do warn('x') end", "'warn' is not available in the sandbox"),
        ("__gc finalizer", "setmetatable({}, {__gc = function() while true do end end})", "__gc metamethods are not available"),
        ("weak table", "setmetatable({}, {__mode = 'k'})", "weak tables (__mode) are not available"),
        ("weak table made after setmetatable", "local mt = {} setmetatable({}, mt) mt.__mode = 'k'", "weak tables (__mode) are not available"),
        ("weak class table (raw write into an inherited metatable)",
         "local C = setmetatable({}, {__index = {}}) setmetatable({}, C) C.__mode = 'k'", "weak tables (__mode) are not available"),
        ("an inherited metatable indexing itself", "local C = setmetatable({}, {}) getmetatable(C).__index = C setmetatable({}, C) local x = C.x",
         "stack overflow"),
        ("weak globals (the globals table as a metatable)", "setmetatable({}, _G) __mode = 'k'", "weak tables (__mode) are not available"),
        ("weak class table through the metatable's __newindex",
         "local M = {__newindex = rawset} local C = setmetatable({}, M) setmetatable({}, C) C.__mode = 'v'",
         "weak tables (__mode) are not available"),
        ("writing to crm", "crm.customers.get = function() end", "attempt to modify a read-only table"),
        ("replacing crm", "crm = {}", "the global 'crm' is read-only"),
        ("__index trap passed to the host",
         "local ok = pcall(crm.customers.update, event.customer.id, setmetatable({}, {__index = function() while true do end end})) error('the trap never ran: ' .. tostring(ok))",
         "the trap never ran: true"),
        ("cyclic table passed to the host", "local t = {} t.fields = t crm.customers.update(event.customer.id, t)", "a table contains itself"),
        ("error object with a __tostring trap", "error(setmetatable({}, {__tostring = function() while true do end end}))", "(error object is a table value)"),
        ("deep C recursion", "local function f() return tostring(setmetatable({}, {__tostring = f})) end f()", "stack overflow"),
        ("deeply nested source", "assert(load('return ' .. ('{'):rep(100000) .. ('}'):rep(100000)))", "overflow"),
        ("table.unpack edge", "table.unpack({}, 1, math.maxinteger)", "too many results"),
        ("string.format edge", "string.format('%099999d', 1)", "invalid conversion"),
        ("utf8.char edge", "utf8.char(math.maxinteger)", "value out of range"),
        ("string.pack edge", "string.pack('i17', 1)", "out of limits"),
        ("log flood", "for i = 1, 2000 do crm.log(('flood'):rep(1000) .. i) end error('after the flood')", "after the flood"),
        ("permission escalation", "crm.customers.find{} crm.notify('admin', 'x') crm.customers.assign(event.customer.id, 'binh')", "permission denied: customers.assign"),
    ]

    @Test("each attack fails cleanly and changes nothing", arguments: attacks)
    func attackIsContained(_ attack: (String, String, String)) throws {
        let (name, code, expected) = attack
        let tenant = try PluginFixture()
        try tenant.write("target", main: """
            local M = {}
            local served = 0
            function M.on_customer_created(event)
              served = served + 1
              crm.customers.update(event.customer.id, { points = served })
              if event.customer.name == "attack" then
                \(code)
              end
            end
            return M
            """, permissions: #"["customers.read", "customers.update"]"#, manifest: """
            [limits]
            time_ms = 100
            memory_mb = 16
            log_lines = 50
            """)
        let bystander = try PluginFixture(tenant: "bystander")
        try bystander.write("neighbour", main: "return { on_customer_created = function(e) crm.customers.update(e.customer.id, { points = 7 }) end }")
        #expect(tenant.host.loadAll().map(\.state) == [.loaded])
        bystander.host.loadAll()

        let started = ContinuousClock.now
        let victim = try tenant.customer("attack")
        #expect(ContinuousClock.now - started < .seconds(5), "\(name) ran for \(ContinuousClock.now - started)")
        let entry = try #require(try tenant.ledger(victim.id).first)
        #expect(entry.status == .error, "\(name)")
        // A memory bomb may meet the 100 ms deadline before the 16 MiB ceiling when the other suites
        // load both cores; which limit stops it is LuaLimitTests' question (there with 2 s to spare).
        let accepted = expected == "memory limit exceeded" ? [expected, "time limit exceeded"] : [expected]
        #expect(accepted.contains { entry.error?.contains($0) == true }, "\(name): \(String(describing: entry.error))")
        #expect(try tenant.current(victim.id).points == 0, "\(name): its write survived")

        // The same plugin serves the next event (afresh after a limit: its upvalues start over).
        let next = try tenant.customer("next")
        #expect(try tenant.ledger(next.id).first?.status == .ok, "\(name)")
        #expect(try tenant.current(next.id).points >= 1, "\(name)")
        #expect(tenant.host.status(of: "target")?.state == .loaded)
        // Its log kept at most limits.log_lines of the attack, each line cut to a bounded length.
        #expect(tenant.host.logs(of: "target").count <= 60, "\(name)")
        #expect(tenant.host.logs(of: "target").allSatisfy { $0.message.utf8.count <= PluginLog.maximumLineBytes + 10 }, "\(name)")
        // Another tenant's plugin is unaffected.
        let other = try bystander.customer()
        #expect(try bystander.current(other.id).points == 7, "\(name)")
    }
}
