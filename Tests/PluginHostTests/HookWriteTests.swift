import CRMCore
import CRMStore
import Foundation
import Testing
@testable import PluginHost

/// How a hook's writes reach the store (`InvocationWrites`): its savepoint opens at its first call
/// that reaches the store, and a job it schedules before that is written when it returns. Each
/// test checks what a plugin sees and what the tenant holds afterwards, through a real host.
@Suite("Plugin host: a hook's writes")
struct HookWriteTests {
    static let automation = Identity.plugin("jobs", runAs: "automation", permissions: [])

    @Test("a hook's lone job is written when it returns, under the id crm.schedule gave; a later call writes it first")
    func loneJobKeepsItsId() throws {
        let tenant = try PluginFixture()
        try tenant.write("jobs", main: """
            local M = {}
            function M.on_customer_created(e)
              crm.log(tostring(crm.schedule(60, "later", {customer = e.customer.id}, {key = "c" .. e.customer.id})))
            end
            function M.on_customer_updated(e)
              local id = crm.schedule(60, "later", {}, {key = "u" .. e.customer.id})
              local listed = crm.jobs()
              crm.log(tostring(id) .. " listed " .. #listed .. " cancelled " .. tostring(crm.cancel(id)))
            end
            function M.later() end
            return M
            """)
        tenant.host.loadAll()
        let first = try tenant.customer("Một")
        let second = try tenant.customer("Hai")
        let logged = tenant.messages("jobs").compactMap { Int64($0) }
        let pending = try tenant.crm.jobs.pending(by: Self.automation)
        #expect(pending.map(\.key) == ["c\(first.id)", "c\(second.id)"])
        #expect(pending.map(\.id) == logged)
        #expect(logged.count == 2 && logged[0] < logged[1])

        // The job waiting to be written is written before crm.jobs reads and crm.cancel deletes.
        _ = try tenant.crm.customers.update(first.id, CustomerPatch(name: "Một lần nữa"), by: tenant.admin)
        let last = try #require(tenant.messages("jobs").last)
        #expect(last.hasSuffix(" listed 3 cancelled true"), "got \(last)")
        #expect(try tenant.crm.jobs.pending(by: Self.automation).count == 2)
    }

    @Test("a hook that scheduled, then wrote, then failed leaves neither the job nor the write")
    func failureAfterBothRollsBackBoth() throws {
        let tenant = try PluginFixture()
        try tenant.write("jobs", main: """
            local M = {}
            function M.on_customer_created(e)
              crm.schedule(60, "later", {})
              crm.customers.update(e.customer.id, {source = "plugin"})
              error("changed my mind")
            end
            function M.later() end
            return M
            """)
        tenant.host.loadAll()
        let customer = try tenant.customer()
        #expect(try tenant.crm.jobs.jobs(status: .pending).isEmpty)
        #expect(try tenant.current(customer.id).source == nil)
        #expect(try tenant.ledger(customer.id).last?.status == .error)
        // The transaction went on: the next customer's hook still runs and fails the same way.
        _ = try tenant.customer("Hai")
        #expect(try tenant.crm.jobs.jobs(status: .pending).isEmpty)
    }

    @Test("a handler that cancels its own job and schedules a successor with its key keeps the successor")
    func successorOutlivesItsPredecessor() throws {
        let tenant = try PluginFixture()
        try tenant.write("jobs", main: """
            local M = {}
            function M.on_customer_created(e) crm.schedule(10, "again", {n = 1}, {key = "loop"}) end
            function M.again(payload, job)
              crm.log(tostring(crm.cancel(job.id)))
              if payload.n < 3 then crm.schedule(10, "again", {n = payload.n + 1}, {key = "loop"}) end
            end
            return M
            """)
        tenant.host.loadAll()
        try tenant.customer()
        let before = try #require(try tenant.crm.jobs.pending(by: Self.automation).first)
        tenant.clock.advance(by: 10)
        #expect(try tenant.host.runDueJobs(at: tenant.clock.now()).map(\.result) == [.done])
        let successor = try #require(try tenant.crm.jobs.pending(by: Self.automation).first)
        #expect(successor.key == "loop")
        #expect(successor.id > before.id)
        tenant.clock.advance(by: 10)
        try tenant.host.runDueJobs(at: tenant.clock.now())
        tenant.clock.advance(by: 10)
        try tenant.host.runDueJobs(at: tenant.clock.now())
        #expect(try tenant.crm.jobs.pending(by: Self.automation).isEmpty)
        #expect(tenant.messages("jobs").suffix(3) == ["true", "true", "true"])
    }

    @Test("scheduling a key again replaces the pending job: the new id and payload remain")
    func keyReplacesUnderTheNewId() throws {
        let tenant = try PluginFixture()
        try tenant.write("jobs", main: """
            local M = {}
            function M.on_customer_created(e)
              crm.log(tostring(crm.schedule(60, "later", {n = e.customer.id}, {key = "only"})))
            end
            function M.later() end
            return M
            """)
        tenant.host.loadAll()
        try tenant.customer("Một")
        let second = try tenant.customer("Hai")
        let pending = try tenant.crm.jobs.pending(by: Self.automation)
        #expect(pending.count == 1)
        #expect(pending.first.map { String($0.id) } == tenant.messages("jobs").last)
        #expect(pending.first?.payload.contains("\(second.id)") == true)
    }

    @Test("a job is written only under an id reserved in its own transaction")
    func unreservedIdIsRefused() throws {
        let tenant = try PluginFixture()
        func job(_ id: Int64) -> Job {
            Job(id: id, plugin: "jobs", key: nil, handler: "later", payload: "{}", dueAt: 0, createdAt: 0)
        }
        let reserved = try tenant.crm.store.transaction { tx in
            let id = try tx.reserveJobId()
            try tx.insertJob(job(id))
            return id
        }
        #expect(throws: (any Error).self) { try tenant.crm.store.transaction { tx in try tx.insertJob(job(reserved)) } }
        #expect(throws: (any Error).self) { try tenant.crm.store.transaction { tx in try tx.insertJob(job(reserved + 1)) } }
        // A clash on the id is an error that names it, never a silent replacement; the statement
        // stays usable after it.
        let next = try tenant.crm.store.transaction { tx in
            let id = try tx.reserveJobId()
            try tx.insertJob(job(id))
            do {
                try tx.insertJob(job(id))
                Issue.record("a second job under id \(id) was written")
            } catch {
                #expect(String(describing: error).contains("UNIQUE constraint failed: plugin_jobs.id"), "\(error)")
            }
            return id
        }
        #expect(next == reserved + 1)
        #expect(try tenant.crm.jobs.jobs(status: .pending).map(\.id) == [reserved, next])
    }
}
