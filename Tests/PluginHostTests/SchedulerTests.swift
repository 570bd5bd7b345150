import CRMCore
import CRMStore
import Foundation
import Testing
@testable import PluginHost

/// `crm.schedule`, `crm.cancel`, `crm.jobs` and the scheduler (plugin-api.md section 4), through
/// a real host, real Lua states and a real SQLite tenant whose clock the tests move.
@Suite("Plugin host: scheduled jobs")
struct SchedulerTests {
    /// A plugin that schedules `remind` two days after a customer is created, keyed by customer.
    static let reminder = """
        local M = {}
        function M.on_customer_created(e)
          crm.schedule({days = 2}, "remind", {customer = e.customer.id, name = e.customer.name, ratio = 0.1,
            big = math.maxinteger, tags = {"vip", "hà nội"}, nested = {[1] = {ok = true}, [10] = 3.0}}, {key = "c" .. e.customer.id})
        end
        function M.remind(payload, job)
          crm.log(table.concat({math.type(payload.customer), payload.name, tostring(payload.ratio), tostring(payload.big),
            payload.tags[2], tostring(payload.nested[1].ok), math.type(payload.nested[10]), job.key, job.plugin,
            tostring(job.attempt), tostring(job.due_at), tostring(crm.now()), tostring(math.type(job.id))}, "|"))
          crm.customers.set_relationship(payload.customer, "Đã liên hệ")
        end
        return M
        """

    @Test("a job scheduled by a hook runs when due, with its payload exactly, and commits with its writes")
    func jobRunsWhenDue() throws {
        let tenant = try PluginFixture()
        try tenant.write("reminder", main: Self.reminder)
        tenant.host.loadAll()
        let customer = try tenant.customer()
        let pending = try tenant.crm.jobs.pending(by: .plugin("reminder", runAs: "automation", permissions: []))
        #expect(pending.map(\.handler) == ["remind"])
        #expect(pending.first?.key == "c\(customer.id)")
        #expect(pending.first?.dueAt == tenant.clock.now() + 2 * 86_400)

        #expect(try tenant.host.runDueJobs(at: tenant.clock.now() + 2 * 86_400 - 1).isEmpty)
        tenant.clock.advance(by: 2 * 86_400)
        let outcomes = try tenant.host.runDueJobs(at: tenant.clock.now())
        #expect(outcomes.map(\.result) == [.done])
        let due = tenant.clock.now()
        #expect(tenant.messages("reminder").last == "integer|Nguyễn Gia Khương|0.1|\(Int64.max)|hà nội|true|float|c\(customer.id)|reminder|1|\(due)|\(due)|integer")
        #expect(try tenant.current(customer.id).relationship == "Đã liên hệ")
        #expect(try tenant.crm.jobs.pending(by: .plugin("reminder", runAs: "automation", permissions: [])).isEmpty)
        let entry = try tenant.ledger(customer.id).last
        #expect(entry?.hook == "remind")
        #expect(entry?.status == .ok)
        #expect(entry?.changes[customer.id]?["relationship"] == FieldChange(from: .string("Mới"), to: .string("Đã liên hệ")))
    }

    @Test("jobs run in due order, a key replaces the pending job, cancel and crm.jobs see only the plugin's own")
    func orderKeysAndCancel() throws {
        let tenant = try PluginFixture()
        try tenant.write("planner", main: """
            local M = {}
            function M.on_customer_created(e)
              crm.schedule(30, "say", {text = "thirty"})
              local ten = crm.schedule(10, "say", {text = "ten"})
              crm.schedule(20, "say", {text = "twenty"}, {key = "k"})
              crm.schedule(25, "say", {text = "twenty-five (replaced k)"}, {key = "k"})
              crm.schedule(5, "say", {text = "cancelled"}, {key = "gone"})
              local listed = {}
              for _, job in ipairs(crm.jobs()) do listed[#listed + 1] = job.handler .. "@" .. (job.due_at - crm.now()) .. ":" .. tostring(job.key) end
              crm.log(table.concat(listed, ","))
              crm.log(tostring(crm.cancel("gone")) .. " " .. tostring(crm.cancel("gone")) .. " " .. tostring(crm.cancel(ten)))
            end
            function M.say(payload) crm.log(payload.text) end
            return M
            """)
        try tenant.write("other", main: """
            local M = {}
            function M.on_customer_created(e) crm.log(#crm.jobs() .. " " .. tostring(crm.cancel("k"))) end
            return M
            """)
        tenant.host.loadAll()
        try tenant.customer()
        #expect(tenant.messages("planner").suffix(2) == ["say@5:gone,say@10:nil,say@25:k,say@30:nil", "true false true"])
        #expect(tenant.messages("other").last == "0 false")
        try tenant.host.runDueJobs(at: tenant.clock.now() + 60)
        #expect(tenant.messages("planner").suffix(2) == ["twenty-five (replaced k)", "thirty"])
    }

    @Test("a hook that fails after scheduling schedules nothing; bad arguments are clear errors")
    func failedHookSchedulesNothing() throws {
        let tenant = try PluginFixture()
        try tenant.write("flaky", main: """
            local M = {}
            function M.on_customer_created(e)
              crm.schedule(1, "later", {})
              error("changed my mind")
            end
            function M.on_customer_updated(e)
              local problems = {}
              for _, call in ipairs({
                function() crm.schedule(1, "nope", {}) end,
                function() crm.schedule(-1, "later", {}) end,
                function() crm.schedule({weeks = 1}, "later", {}) end,
                function() crm.schedule(1, "later", {f = print}) end,
                function() crm.schedule(1, "later", {}, {key = 1}) end,
                function() crm.schedule(1, "later", "text") end,
                function() local t = {} t.me = t crm.schedule(1, "later", {t}) end,
              }) do problems[#problems + 1] = select(2, pcall(call)) end
              crm.log(table.concat(problems, "\\n"))
            end
            function M.later() end
            return M
            """)
        tenant.host.loadAll()
        let customer = try tenant.customer()
        #expect(try tenant.crm.jobs.jobs(status: .pending).isEmpty)
        _ = try tenant.crm.customers.update(customer.id, CustomerPatch(name: "Khương"), by: tenant.admin)
        let problems = tenant.messages("flaky").last ?? ""
        #expect(problems.contains("crm.schedule: 'nope' is not a function of this plugin's module (functions: later, on_customer_created, on_customer_updated)"))
        #expect(problems.contains("crm.schedule: the delay must be between 0"))
        #expect(problems.contains("crm.schedule: a delay table takes days, hours, minutes and seconds, not 'weeks'"))
        #expect(problems.contains("crm.schedule: a payload holds strings, numbers, booleans and tables, not a function value"))
        #expect(problems.contains("crm.schedule: options.key must be a string, got number"))
        #expect(problems.contains("bad argument #3 to 'crm.schedule' (table expected, got string)"))
        #expect(problems.contains("a table contains itself"))
        #expect(try tenant.crm.jobs.jobs(status: .pending).isEmpty)
    }

    @Test("a failing job is retried with back-off up to 5 attempts, each in the ledger, then failed")
    func retriesThenFails() throws {
        let tenant = try PluginFixture()
        try tenant.write("stubborn", main: """
            local M = {}
            function M.on_customer_created(e) crm.schedule(0, "try", {id = e.customer.id}) end
            function M.try(payload, job)
              crm.customers.set_relationship(payload.id, "Chốt")
              error("attempt " .. job.attempt .. " failed")
            end
            return M
            """)
        tenant.host.loadAll()
        let customer = try tenant.customer()
        var results: [JobOutcome.Result] = []
        for _ in 1...5 {
            guard let outcome = try tenant.host.runNextDueJob(at: tenant.clock.now() + 10 * 86_400) else { break }
            results.append(outcome.result)
            tenant.clock.set(outcome.job.dueAt)
        }
        #expect(results.count == 5)
        #expect(results.last == .failed)
        let retries = results.dropLast().compactMap { if case .willRetry(let at) = $0 { at } else { nil } }
        #expect(zip(retries, retries.dropFirst()).map { $1 - $0 } == [300, 1500, 7500])
        #expect(try tenant.host.runNextDueJob(at: .max) == nil)
        let failed = try tenant.crm.jobs.jobs(status: .failed)
        #expect(failed.count == 1)
        #expect(failed.first?.failedAttempts == 5)
        #expect(failed.first?.lastError?.contains("attempt 5 failed") == true)
        #expect(try tenant.current(customer.id).relationship == "Mới")   // every attempt rolled back
        let entries = try tenant.crm.ledger.forPlugin("stubborn", by: tenant.admin).filter { $0.hook == "try" }
        #expect(entries.map(\.status) == Array(repeating: .error, count: 5))
    }

    @Test("a job whose handler or plugin is gone fails with a clear message; a disabled plugin's job waits")
    func missingHandlerOrPlugin() throws {
        let tenant = try PluginFixture()
        let main = """
            local M = {}
            function M.on_customer_created(e) crm.schedule(60, "%@", {}) end
            function M.%@() end
            return M
            """
        let plugin = try tenant.write("changing", main: main.replacingOccurrences(of: "%@", with: "old_name"))
        try tenant.write("leaving", main: main.replacingOccurrences(of: "%@", with: "bye"))
        try tenant.write("resting", main: main.replacingOccurrences(of: "%@", with: "later"))
        tenant.host.loadAll()
        try tenant.customer()
        try main.replacingOccurrences(of: "%@", with: "new_name").write(to: plugin.appendingPathComponent("main.lua"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: tenant.folder.appendingPathComponent("leaving"))
        try tenant.write("resting", main: main.replacingOccurrences(of: "%@", with: "later"), manifest: "enabled = false")
        tenant.host.loadAll()

        let outcomes = try tenant.host.runDueJobs(at: tenant.clock.now() + 60)
        #expect(outcomes.map(\.result) == [.failed, .failed])
        #expect(outcomes.map { $0.error ?? "" } == [
            "handler 'old_name' is not a function of plugin 'changing' version 1.0.0",
            "plugin 'leaving' is not loaded in this tenant any more",
        ])
        #expect(try tenant.crm.jobs.jobs(status: .pending).map(\.plugin) == ["resting"])
        let ledger = try tenant.crm.ledger.forPlugin("leaving", by: tenant.admin)
        #expect(ledger.last?.error == "plugin 'leaving' is not loaded in this tenant any more")
    }

    @Test("jobs survive a reopened database, and a crash before commit leaves effects to happen exactly once")
    func durableAndExactlyOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lantern-jobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("acme.sqlite").path
        let customerId: Int64
        do {
            let tenant = try PluginFixture(databasePath: path)
            try tenant.write("counter", main: """
                local M = {}
                function M.on_customer_created(e) crm.schedule({hours = 1}, "bump", {id = e.customer.id}) end
                function M.bump(p) local c = crm.customers.get(p.id) crm.customers.update(p.id, {points = c.points + 1}) end
                return M
                """)
            tenant.host.loadAll()
            customerId = try tenant.customer().id
        }
        // The database reopened by a new process: its data, and a plugins folder with the plugin's next version.
        let reopened = try PluginFixture(databasePath: path)
        try reopened.write("counter", main: """
            local M = {}
            function M.bump(p) local c = crm.customers.get(p.id) crm.customers.update(p.id, {points = c.points + 1}) end
            return M
            """)
        reopened.host.loadAll()
        reopened.clock.advance(by: 3_600)
        struct Crash: Error {}
        reopened.host.beforeJobCommit = { _ in throw Crash() }
        #expect(throws: Crash.self) { try reopened.host.runNextDueJob(at: reopened.clock.now()) }
        #expect(try reopened.current(customerId).points == 0)
        let stillPending = try reopened.crm.jobs.jobs(status: .pending)
        #expect(stillPending.map(\.failedAttempts) == [0])
        #expect(try reopened.crm.ledger.forPlugin("counter", by: reopened.admin).filter { $0.hook == "bump" }.isEmpty)

        reopened.host.beforeJobCommit = nil
        #expect(try reopened.host.runDueJobs(at: reopened.clock.now()).map(\.result) == [.done])
        #expect(try reopened.host.runDueJobs(at: reopened.clock.now() + 86_400).isEmpty)
        #expect(try reopened.current(customerId).points == 1)
    }

    @Test("the scheduler thread runs due jobs and stops cleanly")
    func schedulerThread() throws {
        let tenant = try PluginFixture()
        try tenant.write("reminder", main: Self.reminder)
        tenant.host.loadAll()
        let customer = try tenant.customer()
        let scheduler = JobScheduler(host: tenant.host, pollInterval: 0.05)
        scheduler.start()
        defer { scheduler.stop() }
        tenant.clock.advance(by: 2 * 86_400)
        scheduler.wake()
        let deadline = Date().addingTimeInterval(10)
        while try tenant.current(customer.id).relationship != "Đã liên hệ", Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(try tenant.current(customer.id).relationship == "Đã liên hệ")
    }
}
