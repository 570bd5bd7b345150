import CRMCore
import Foundation
import Testing
@testable import PluginHost

/// The attacks of the sandbox's second pass (issue 20), each inside a real plugin with
/// `time_ms = 100` and `memory_mb = 16`, entered through a hook and through a scheduled job. For
/// each: the invocation fails with a clear error well within a second, its write is rolled back,
/// the plugin serves the next event, another tenant's plugin is unaffected, and the process is
/// alive (the suite goes on).
@Suite("Plugin host: hostile inputs, second pass", .serialized)
struct HostileSecondPassTests {
    enum EntryPoint: String, CaseIterable { case hook, job }

    /// Lua for a source of `count` gotos and then their labels (resolving each label scans every
    /// pending goto: seconds to compile without a deadline).
    static let gotoBombSource = """
        local p = {} for i = 1, 32000 do p[#p + 1] = 'goto l' .. i end
        for i = 1, 32000 do p[#p + 1] = '::l' .. i .. ':: x = 1' end
        local source = 'do ' .. table.concat(p, ' ') .. ' end'
        """

    /// (name, Lua run after the invocation's write, the words its error must contain: any of them)
    static let attacks: [(String, String, [String])] = [
        ("break out of a generic for with a closing value (5.4.4 heap write)", """
            local closed = false
            local a = setmetatable({}, {__close = function() closed = true end})
            local b = setmetatable({}, {__close = function() end})
            local function victim()
              for k in next, {}, nil, a do local function capture() return k end break end
              local x <close> = b
            end
            victim()
            error('survived, closed: ' .. tostring(closed))
            """, ["survived, closed: true"]),
        ("a chain of closes nesting pcalls", """
            local coro = false
            local function nest(n, f) if n == 0 then return f() end return select(2, pcall(nest, n - 1, f)) end
            for i = 1, 60 do
              local previous = coro
              coro = coroutine.create(function()
                local cc <close> = setmetatable({}, {__close = function()
                  nest(180, function() if previous then coroutine.close(previous) end end)
                end})
                coroutine.yield()
              end)
              coroutine.resume(coro)
            end
            -- The bound's error may be caught by the script's own pcalls on the way: what counts is
            -- that the process is still here to finish.
            local ok, e = coroutine.close(coro)
            error('survived: ' .. tostring(e))
            """, ["survived"]),
        ("a character class of 2 million characters",
         "string.find(('b'):rep(1000), '[' .. ('a'):rep(2e6) .. ']')", ["time limit exceeded"]),
        ("%b over 4 MB", "local s = ('('):rep(4e6) string.find(s, '%b()')", ["time limit exceeded"]),
        ("%f with a huge set", "string.find(('a'):rep(1000), '%f[' .. ('b'):rep(2e6) .. ']x')", ["time limit exceeded"]),
        ("gsub replacement expanded 100,000 times", "string.gsub(('a'):rep(1000), 'a', ('%0'):rep(1e5))",
         ["time limit exceeded", "memory limit exceeded"]),
        ("32,000 gotos compiled by load", gotoBombSource + " load(source)", ["time limit exceeded", "memory limit exceeded"]),
        ("a reader function past the source cap", "local f, e = load(function() return 'x = 1 ' end) error(e)",
         ["more than the sandbox's 1048576 bytes"]),
        ("shared subtables handed to the host",
         "local t = {} for i = 1, 21 do t = {t, t} end crm.customers.update(event.customer.id, {fields = {x = t}})",
         ["more than 100000 parts", "time limit exceeded"]),
        ("shared subtables as a job payload", "local t = {} for i = 1, 21 do t = {t, t} end crm.schedule(60, 'noop', {t})",
         ["more than 100000 parts", "takes more than 65536 bytes once stored"]),
        ("one megabyte string shared 64 times, handed to the host",
         "local s = ('x'):rep(1 << 20) local t = {} for i = 1, 64 do t[i] = s end crm.customers.update(event.customer.id, {fields = {x = t}})",
         ["memory limit exceeded"]),
        ("a payload over 64 KiB", "crm.schedule(60, 'noop', {('x'):rep(70000)})", ["takes more than 65536 bytes once stored"]),
        ("a payload of many small values over 64 KiB",
         "local t = {} for i = 1, 20000 do t[i] = i end crm.schedule(60, 'noop', t)", ["takes more than 65536 bytes once stored"]),
        ("one character of 200 KB as a name",
         "crm.customers.update(event.customer.id, {name = 'e' .. ('\\u{301}'):rep(100000)})", ["must be at most 200 bytes"]),
        ("one character of 200 KB in a custom field",
         "crm.customers.update(event.customer.id, {fields = {note = 'e' .. ('\\u{301}'):rep(100000)}})", ["must be at most 2000 bytes"]),
        ("one character of 200 KB as a notification", "crm.notify('an', 'e' .. ('\\u{301}'):rep(100000))", ["must be at most 2000 bytes"]),
        ("5,000 pending closes under a full heap", """
            local function deep(n)
              if n == 0 then local t = {} while true do t[#t + 1] = {} end end
              local x <close> = setmetatable({}, {__close = function() end})
              deep(n - 1)
            end
            deep(5000)
            """, ["memory limit exceeded"]),
        ("5,000 spinning close handlers after the deadline", """
            local function deep(n)
              if n == 0 then while true do end end
              local x <close> = setmetatable({}, {__close = function() while true do end end})
              deep(n - 1)
            end
            deep(5000)
            """, ["time limit exceeded"]),
        ("eight-megabyte arguments, each within what is left but not together",
         "local s = ('x'):rep(6 << 20) crm.log('info', s, s, s, s, s)", ["memory limit exceeded"]),
        ("a huge non-ASCII handler name", """
            local ok, m = pcall(crm.schedule, 0, ('e\\204\\129'):rep(2 << 20))
            error((ok and 'scheduled' or 'refused') .. ', message of ' .. #m .. ' bytes')
            """, ["refused, message of 4095 bytes"]),
        ("a huge log level", "pcall(crm.log, ('e\\204\\129'):rep(2 << 20), 'x') error('survived')", ["survived"]),
        ("a huge table key handed to the host",
         "crm.customers.update(event.customer.id, {[('e\\204\\129'):rep(1 << 20)] = 1})", ["longer than the 1024 a key may be"]),
        ("os.time of a year past a C int", "os.time{year = math.maxinteger, month = 1, day = 1}", ["out-of-bound"]),
        ("rawset into crm", "rawset(crm, 'customers', {})", ["read-only"]),
        ("writing through the table pairs(crm.config) hands out", "local _, t = pairs(crm.config) t.leader = 'x'", ["read-only"]),
    ]

    static func main(running code: String) -> String {
        """
        local M = {}
        local served = 0
        function M.on_customer_created(event)
          served = served + 1
          if event.customer.name == "attack by job" then
            crm.schedule(0, "attack", {customer = event.customer.id})
            return
          end
          crm.customers.update(event.customer.id, { points = served })
          if event.customer.name == "attack" then
            \(code)
          end
        end
        function M.attack(payload, job)
          local event = {customer = {id = payload.customer}}
          crm.customers.update(payload.customer, { points = 42 })
          \(code)
        end
        function M.noop() end
        return M
        """
    }

    @Test("each attack fails cleanly and changes nothing", arguments: attacks, EntryPoint.allCases)
    func attackIsContained(_ attack: (String, String, [String]), _ entry: EntryPoint) throws {
        let (name, code, expected) = attack
        let tenant = try PluginFixture()
        try tenant.write("target", main: Self.main(running: code), manifest: """
            [limits]
            time_ms = 100
            memory_mb = 16
            log_lines = 50

            [config]
            leader = "an"
            """)
        let bystander = try PluginFixture(tenant: "bystander")
        try bystander.write("neighbour", main: "return { on_customer_created = function(e) crm.customers.update(e.customer.id, { points = 7 }) end }")
        #expect(tenant.host.loadAll().map(\.state) == [.loaded])
        bystander.host.loadAll()

        let started = ContinuousClock.now
        let error: String?
        let victim: Customer
        switch entry {
        case .hook:
            victim = try tenant.customer("attack")
            let record = try #require(try tenant.ledger(victim.id).first)
            #expect(record.status == .error, "\(name)")
            error = record.error
        case .job:
            victim = try tenant.customer("attack by job")
            let outcomes = try tenant.host.runDueJobs(at: tenant.clock.now())
            #expect(outcomes.count == 1, "\(name)")
            if case .willRetry = outcomes.first?.result {} else { Issue.record("\(name): \(String(describing: outcomes.first))") }
            error = outcomes.first?.error
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(1), "\(name) ran for \(elapsed)")
        #expect(expected.contains { error?.contains($0) == true }, "\(name): \(String(describing: error))")
        #expect(try tenant.current(victim.id).points == 0, "\(name): its write survived")

        // The same plugin serves the next event (afresh after a limit: its upvalues start over).
        let next = try tenant.customer("next")
        #expect(try tenant.ledger(next.id).first?.status == .ok, "\(name)")
        #expect(try tenant.current(next.id).points >= 1, "\(name)")
        #expect(tenant.host.status(of: "target")?.state == .loaded)
        // Another tenant's plugin is unaffected.
        let other = try bystander.customer()
        #expect(try bystander.current(other.id).points == 7, "\(name)")
    }

    @Test("a plugin whose module compiles slowly is not loaded, with the time limit in its status",
          arguments: ["lib/bomb.lua", "main.lua"])
    func slowCompileAtLoad(_ file: String) throws {
        var source = "do "
        for i in 0..<32_000 { source += "goto l\(i) " }
        for i in 0..<32_000 { source += "::l\(i):: x = 1 " }
        source += "end return {}"
        let tenant = try PluginFixture()
        let main = file == "main.lua" ? source : "return { on_customer_created = function() end }"
        try tenant.write("slow", main: main, manifest: "[limits]\ntime_ms = 100", lib: file == "main.lua" ? [:] : [file: source])
        let started = ContinuousClock.now
        let status = try #require(tenant.host.loadAll().first)
        #expect(ContinuousClock.now - started < .milliseconds(500))
        #expect(status.state == .failed)
        #expect(status.error?.contains("\(file): time limit exceeded: loading") == true, "\(String(describing: status.error))")
        #expect(status.error?.contains("limits.time_ms = 100 ms") == true)
    }

    @Test("a module table of more than 1,000 functions is not loaded; long keys are not function names")
    func moduleFunctionsAreBounded() throws {
        let tenant = try PluginFixture()
        try tenant.write("many", main: "local M, f = {}, function() end for i = 1, 1001 do M['h' .. i] = f end return M")
        let status = try #require(tenant.host.loadAll().first)
        #expect(status.state == .failed)
        #expect(status.error?.contains("more than 1000 functions") == true, "\(String(describing: status.error))")
        let other = try PluginFixture()
        try other.write("long", main: """
            local M, f = {}, function() end
            for i = 1, 5000 do M[('e\\204\\129'):rep(300) .. i] = f end
            function M.on_customer_created(e) crm.customers.update(e.customer.id, {points = 3}) end
            return M
            """, manifest: "[limits]\ntime_ms = 100")
        let started = ContinuousClock.now
        #expect(other.host.loadAll().first?.state == .loaded)
        #expect(ContinuousClock.now - started < .milliseconds(500))
        let customer = try other.customer()
        #expect(try other.current(customer.id).points == 3)
    }

    @Test("a job payload near the bound decodes inside the handler's budget")
    func payloadDecodesInBudget() throws {
        let tenant = try PluginFixture()
        try tenant.write("saver", main: """
            local M = {}
            function M.on_customer_created(event)
              local t = {} for i = 1, 2500 do t[i] = {i, 'v'} end
              crm.schedule(0, 'check', {customer = event.customer.id, items = t})
            end
            function M.check(payload) crm.customers.update(payload.customer, {points = #payload.items}) end
            return M
            """, manifest: "[limits]\ntime_ms = 100")
        tenant.host.loadAll()
        let customer = try tenant.customer()
        let started = ContinuousClock.now
        let outcomes = try tenant.host.runDueJobs(at: tenant.clock.now())
        #expect(outcomes.map(\.result) == [.done], "\(outcomes)")
        #expect(ContinuousClock.now - started < .milliseconds(500))
        #expect(try tenant.current(customer.id).points == 2500)
    }

    @Test("a long log line is cut to its byte bound on a character boundary")
    func logLinesCutInBytes() throws {
        let tenant = try PluginFixture()
        try tenant.write("talker", main: """
            return { on_customer_created = function() crm.log('e' .. ('\\u{301}'):rep(100000)) crm.log(('ệ'):rep(2000)) end }
            """)
        tenant.host.loadAll()
        _ = try tenant.customer()
        let lines = tenant.messages("talker").filter { $0.utf8.first == UInt8(ascii: "e") || $0.hasPrefix("ệ") }
        #expect(lines.count == 2)
        for line in lines {
            #expect(line.hasSuffix("… (cut)"))
            let kept = line.dropLast("… (cut)".count)
            #expect(line.utf8.count <= PluginLog.maximumLineBytes && line.utf8.count > PluginLog.maximumLineBytes - 4)
            #expect(kept.utf8.count <= PluginLog.maximumLineBytes - PluginLog.cutMark.utf8.count)
        }
        #expect(lines[1].dropLast("… (cut)".count).allSatisfy { $0 == "ệ" })
    }
}
