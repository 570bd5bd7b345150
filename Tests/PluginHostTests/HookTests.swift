import CRMCore
import Foundation
import Testing
@testable import PluginHost

/// Hooks and events through a real host, real Lua states and a real SQLite tenant
/// (plugin-api.md sections 3, 4 and 7).
@Suite("Plugin host: hooks, events and the ledger")
struct HookTests {
    @Test("a hook gets the event as plain tables and its writes land, in the ledger too")
    func hookSeesEventAndWrites() throws {
        let tenant = try PluginFixture()
        try tenant.write("welcome", main: """
            local M = {}
            function M.on_customer_created(event)
              local c = event.customer
              crm.log("info", table.concat({event.name, event.actor, event.source, tostring(event.at), c.code, c.name,
                c.relationship, c.owner, tostring(c.points), math.type(c.id), tostring(#c.viewers), tostring(c.phone)}, "|"))
              crm.customers.update(c.id, { points = 10, fields = { tier = "gold", score = 1.5 } })
              crm.customers.set_relationship(c.id, "Đã liên hệ")
            end
            return M
            """)
        #expect(tenant.host.loadAll().map(\.state) == [.loaded])
        let customer = try tenant.customer(by: "an")
        let now = try tenant.current(customer.id)
        #expect(now.points == 10)
        #expect(now.relationship == "Đã liên hệ")
        #expect(now.fields == ["tier": .string("gold"), "score": .double(1.5)])
        #expect(tenant.messages("welcome").last == "customer_created|an|api|1767200400|\(customer.code)|Nguyễn Gia Khương|Mới|an|0|integer|0|nil")
        let ledger = try tenant.ledger(customer.id)
        #expect(ledger.count == 1)
        #expect(ledger.first?.status == .ok)
        #expect(ledger.first?.hook == "on_customer_created")
        #expect(ledger.first?.version == "1.0.0")
        #expect(ledger.first?.changes[customer.id]?["relationship"] == FieldChange(from: .string("Mới"), to: .string("Đã liên hệ")))
        #expect(ledger.first?.changes[customer.id]?["points"] == FieldChange(from: .integer(0), to: .integer(10)))
        #expect(tenant.host.status(of: "welcome")?.invocations == 1)
    }

    @Test("own writes are never fed back; another plugin's writes fire hooks, in name order")
    func ownWritesAndCascades() throws {
        let tenant = try PluginFixture()
        try tenant.write("a-marker", main: """
            local M = {}
            function M.on_customer_created(e) crm.customers.set_relationship(e.customer.id, "Chốt") end
            function M.on_relationship_changed(e) crm.log("a saw " .. e.from .. " -> " .. e.to .. " by " .. e.actor) end
            return M
            """)
        try tenant.write("b-watcher", main: """
            local M = {}
            function M.on_relationship_changed(e)
              crm.log(e.from .. " -> " .. e.to .. " by " .. e.actor .. " from " .. e.source)
              crm.notify("admin", e.customer.name .. " is now " .. e.to)
            end
            function M.on_customer_created(e) crm.log("b saw created") end
            return M
            """)
        tenant.host.loadAll()
        let customer = try tenant.customer()
        #expect(tenant.messages("a-marker").filter { $0.hasPrefix("a saw") }.isEmpty)
        #expect(tenant.messages("b-watcher").suffix(2) == ["b saw created", "Mới -> Chốt by plugin:a-marker from plugin"])
        let inbox = try tenant.crm.notifications.inbox(by: tenant.admin)
        #expect(inbox.map(\.message) == ["Nguyễn Gia Khương is now Chốt"])
        #expect(inbox.first?.sender == "plugin:b-watcher")
        // Each plugin sees events in the order they happened: b-watcher the creation, then the change.
        #expect(try tenant.ledger(customer.id).map(\.plugin) == ["a-marker", "b-watcher", "b-watcher"])
    }

    @Test("a failing hook rolls back its writes, is logged and recorded, and the change commits")
    func failureRollsBack() throws {
        let tenant = try PluginFixture()
        try tenant.write("broken", main: """
            local M = {}
            function M.on_customer_created(e)
              crm.customers.update(e.customer.id, { points = 99 })
              crm.customers.set_relationship(e.customer.id, "Chốt")
              error("boom")
            end
            return M
            """)
        tenant.host.loadAll()
        let customer = try tenant.customer()
        let now = try tenant.current(customer.id)
        #expect(now.points == 0)
        #expect(now.relationship == "Mới")
        let entry = try #require(try tenant.ledger(customer.id).first)
        #expect(entry.status == .error)
        #expect(entry.error == "main.lua:5: boom")
        #expect(entry.changes.isEmpty)
        #expect(tenant.messages("broken").last == "on_customer_created failed: main.lua:5: boom")
        #expect(tenant.host.status(of: "broken")?.errors == 1)
        #expect(try tenant.crm.audit.customerHistory(customer.id, by: tenant.admin).map(\.action) == ["customer.create"])
    }

    @Test("calls are checked against manifest ∩ role permissions, with the permission's name")
    func permissionsAreChecked() throws {
        let tenant = try PluginFixture()
        try tenant.write("reader-only", main: """
            local M = {}
            function M.on_customer_created(e)
              assert(crm.customers.get(e.customer.id).name == e.customer.name)
              crm.customers.update(e.customer.id, { name = "x" })
            end
            return M
            """, permissions: #"["customers.read"]"#)
        tenant.host.loadAll()
        let customer = try tenant.customer()
        #expect(try tenant.ledger(customer.id).first?.error == "main.lua:4: permission denied: customers.update")
        #expect(try tenant.current(customer.id).name == "Nguyễn Gia Khương")
    }

    @Test("a plugin gets events only for customers its run_as user may read")
    func eventsFollowRunAsScope() throws {
        let tenant = try PluginFixture()
        try tenant.write("an-helper", main: """
            local M = {}
            function M.on_customer_created(e) crm.log("saw " .. e.customer.name) end
            return M
            """, permissions: #"["customers.read"]"#, runAs: "an")
        tenant.host.loadAll()
        try tenant.customer("Của An", by: "an")
        try tenant.customer("Của Bình", by: "binh")
        #expect(tenant.messages("an-helper").filter { $0.hasPrefix("saw") } == ["saw Của An"])
    }

    @Test("enabled = false keeps a plugin loaded but silent")
    func disabledPluginsAreSilent() throws {
        let tenant = try PluginFixture()
        try tenant.write("sleeper", main: "return { on_customer_created = function() crm.log('ran') end }", manifest: "enabled = false")
        #expect(tenant.host.loadAll().first?.state == .loaded)
        let customer = try tenant.customer()
        #expect(tenant.messages("sleeper").contains("ran") == false)
        #expect(try tenant.ledger(customer.id).isEmpty)
    }

    @Test("writes cascade between plugins at most 8 deep; the deeper write fails and says so")
    func cascadeDepthIsBounded() throws {
        let tenant = try PluginFixture()
        for name in ["ping", "pong"] {
            try tenant.write(name, main: """
                local M = {}
                function M.on_points_changed(e) crm.customers.update(e.customer.id, { points = e.to + 1 }) end
                return M
                """)
        }
        tenant.host.loadAll()
        let customer = try tenant.customer()
        _ = try tenant.crm.customers.awardPoints(customer.id, 1, by: tenant.admin)
        // The person's change is depth 1; plugin writes reach depth 8, the next one is refused.
        #expect(try tenant.current(customer.id).points == 8)
        let failures = try tenant.ledger(customer.id).compactMap(\.error)
        #expect(failures.count == 1)
        #expect(failures.first?.contains("cascade depth exceeded") == true, "\(failures)")
    }

    @Test("crm.config is the manifest's [config], read-only")
    func configIsReadOnly() throws {
        let tenant = try PluginFixture()
        try tenant.write("configured", main: """
            local M = {}
            function M.on_customer_created(e)
              crm.log(crm.config.leader .. " " .. #crm.config.support .. " " .. crm.config.support[2] .. " " .. math.type(crm.config.days))
              crm.customers.share(e.customer.id, crm.config.support)
              crm.config.leader = "nobody"
            end
            return M
            """, manifest: """
            [config]
            leader = "leader"
            support = ["an", "binh"]
            days = 2
            """)
        tenant.host.loadAll()
        let customer = try tenant.customer()
        #expect(tenant.messages("configured").contains("leader 2 binh integer"))
        #expect(try tenant.ledger(customer.id).first?.error == "main.lua:5: attempt to modify a read-only table")
        #expect(try tenant.current(customer.id).sharedWith == [])
    }

    @Test("filters: equality, any_of, none_of, gte, lte, order and limit; unknown fields are errors")
    func filters() throws {
        let tenant = try PluginFixture()
        for (index, name) in ["A", "B", "C", "D"].enumerated() {
            let customer = try tenant.customer(name)
            _ = try tenant.crm.customers.awardPoints(customer.id, Int64(index * 10), by: tenant.admin)
        }
        try tenant.write("finder", main: """
            local M = {}
            local function names(list) local out = {} for i, c in ipairs(list) do out[i] = c.name end return table.concat(out) end
            function M.on_customer_created(e)
              crm.log(names(crm.customers.find{ points = { gte = 10, lte = 20 } }))
              crm.log(names(crm.customers.find{ name = { any_of = {"A", "D"} }, order = "-id" }))
              crm.log(names(crm.customers.find{ name = { none_of = {"A", "E"} }, limit = 2 }))
              crm.log(names(crm.customers.find{ relationship = "Mới", points = 30 }))
              crm.customers.find{ colour = "red" }
            end
            return M
            """)
        tenant.host.loadAll()
        let trigger = try tenant.customer("E")
        #expect(Array(tenant.messages("finder").suffix(5).prefix(4)) == ["BC", "DA", "BC", "D"])
        #expect(try tenant.ledger(trigger.id).first?.error?.contains("crm.customers.find: unknown field 'colour'") == true)
    }

    @Test("crm data calls are refused while main.lua loads")
    func noDataCallsAtLoad() throws {
        let tenant = try PluginFixture()
        try tenant.write("eager", main: "crm.customers.find{} return {}")
        let status = tenant.host.loadAll().first
        #expect(status?.state == .failed)
        #expect(status?.error?.contains("crm.customers.find is only available inside a hook or job handler") == true, "\(String(describing: status?.error))")
    }
}
