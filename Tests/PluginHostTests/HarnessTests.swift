import CRMStore
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import PluginHost

/// `lantern plugin test` (plugin-api.md section 10) run on real spec files against real
/// in-memory tenants: output lines, exit statuses, limits on specs, JUnit.
@Suite("Plugin test harness", .serialized)
struct HarnessTests {
    /// A plugins folder with one plugin (`greeter`: names new customers' relationship "Đã liên hệ"
    /// after a job one hour later) and the given spec files.
    final class Workspace {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lantern-harness-\(UUID().uuidString)")
        var plugin: URL { root.appendingPathComponent("acme/greeter") }

        init(specs: [String: String], main: String = Workspace.main) throws {
            try FileManager.default.createDirectory(at: plugin.appendingPathComponent("spec"), withIntermediateDirectories: true)
            try """
                name = "greeter"
                version = "1.0.0"
                run_as = "automation"
                permissions = ["customers.read", "customers.update"]
                [config]
                greeting = "Xin chào"
                """.write(to: plugin.appendingPathComponent("plugin.toml"), atomically: true, encoding: .utf8)
            try main.write(to: plugin.appendingPathComponent("main.lua"), atomically: true, encoding: .utf8)
            for (name, text) in specs {
                try text.write(to: plugin.appendingPathComponent("spec/\(name)"), atomically: true, encoding: .utf8)
            }
        }

        deinit { try? FileManager.default.removeItem(at: root) }

        static let main = """
            local M = {}
            function M.on_customer_created(e)
              crm.log(crm.config.greeting .. " " .. e.customer.name)
              crm.schedule({hours = 1}, "contact", {id = e.customer.id})
            end
            function M.contact(p) crm.customers.set_relationship(p.id, "Đã liên hệ") end
            return M
            """

        /// Runs `lantern plugin test` on the root; returns the exit status and the lines.
        func run(filter: String? = nil, timeLimit: UInt32 = 10_000) -> (status: Int32, lines: [String], run: PluginTestRun) {
            var lines: [String] = []
            let run = PluginTestRun(paths: [root], filter: filter, timeLimitMilliseconds: timeLimit, memoryLimit: 32 << 20,
                                    makeStore: { try SQLiteTenantStore.inMemory() }, output: { lines.append($0) })
            let status = run.run()
            return (status, lines, run)
        }
    }

    static let passing = """
        local lt = require("lantern.test")
        describe("greeter", function()
          local t
          before_each(function() t = lt.tenant{ users = { { login = "automation" }, { login = "an" } } } end)
          it("greets and contacts an hour later", function()
            local c = t:as("an").customers.create{ name = "Khương" }
            assert.same({ "Xin chào Khương" }, (function() local m = {} for _, l in ipairs(t:logs()) do if l.level == "info" and l.message:find("^Xin") then m[#m + 1] = l.message end end return m end)())
            t.clock:advance{ minutes = 59 }
            assert.equal("Mới", t.customers.get(c.id).relationship)
            t.clock:advance(60)
            assert.equal("Đã liên hệ", t.customers.get(c.id).relationship)
            assert.equal(1767200400 + 3600, t.clock:now())
            local ledger = t:ledger(c.id)
            assert.equal("contact", ledger[2].hook)
            assert.same({ from = "Mới", to = "Đã liên hệ" }, ledger[2].changes.relationship)
          end)
          describe("with config", function()
            it("takes the override", function()
              local t2 = lt.tenant{ users = { { login = "automation" } }, config = { greeting = "Chào" }, now = 1800000000 }
              t2.customers.create{ name = "An" }
              assert.equal(1800000000, t2.clock:now())
              assert.is_not_nil(t2:logs()[2].message:find("Chào An", 1, true))
            end)
          end)
          pending("someday")
        end)
        """

    @Test("passing specs print ok lines, pending is marked, the last line counts, exit status 0")
    func passingSpecs() throws {
        let workspace = try Workspace(specs: ["greeter_spec.lua": Self.passing])
        let (status, lines, _) = workspace.run()
        #expect(lines == [
            "# greeter/spec/greeter_spec.lua",
            "ok 1 - greeter greets and contacts an hour later",
            "ok 2 - greeter with config takes the override",
            "ok 3 - greeter someday # pending",
            "2 passed, 0 failed",
        ])
        #expect(status == 0)
    }

    @Test("a test name with newlines stays one line of the report")
    func namesCannotForgeLines() throws {
        let workspace = try Workspace(specs: ["greeter_spec.lua": """
            it("fails\\nok 2 - forged\\n9 passed, 0 failed", function() error("x") end)
            """])
        let (status, lines, _) = workspace.run()
        #expect(lines.contains(#"not ok 1 - fails\nok 2 - forged\n9 passed, 0 failed"#), "\(lines)")
        #expect(!lines.contains("ok 2 - forged"))
        #expect(lines.last == "0 passed, 1 failed")
        #expect(status == 1)
    }

    @Test("failures say what was expected, with spec file and line; errors too; exit status 1")
    func failingSpecs() throws {
        let workspace = try Workspace(specs: ["greeter_spec.lua": """
            local lt = require("lantern.test")
            describe("failing", function()
              it("compares", function()
                assert.equal("leader", "an")
              end)
              it("compares deeply", function()
                assert.same({ a = 1, list = { 1, 2 } }, { a = 1, list = { 1, 3 } })
              end)
              it("errors", function()
                local t = lt.tenant{ users = { { login = "automation" }, { login = "an" } } }
                t:as("an").customers.update(999, { name = "x" })
              end)
              it("expects an error", function()
                assert.has_error(function() end)
              end)
              it("passes has_error with the bare message", function()
                assert.has_error(function() error("boom") end, "boom")
                assert.error_matches(function() error({}) end, "^{}$")
              end)
            end)
            """])
        let (status, lines, _) = workspace.run()
        #expect(lines == [
            "# greeter/spec/greeter_spec.lua",
            "not ok 1 - failing compares",
            "#   spec/greeter_spec.lua:4: expected \"leader\", got \"an\"",
            "not ok 2 - failing compares deeply",
            "#   spec/greeter_spec.lua:7: expected {a = 1, list = {1, 2}}, got {a = 1, list = {1, 3}}",
            "not ok 3 - failing errors",
            "#   spec/greeter_spec.lua:11: customer 999 not found",
            "not ok 4 - failing expects an error",
            "#   spec/greeter_spec.lua:14: expected an error, got none",
            "ok 5 - failing passes has_error with the bare message",
            "1 passed, 4 failed",
        ])
        #expect(status == 1)
    }

    @Test("a hanging or memory-hungry spec is stopped by limits and fails; the file goes on; --filter")
    func hangingSpecs() throws {
        let workspace = try Workspace(specs: ["greeter_spec.lua": """
            it("hangs", function() while true do end end)
            it("eats memory", function() local t = {} while true do t[#t + 1] = ("x"):rep(1 << 22) .. #t end end)
            it("still runs afterwards", function() assert.is_true(true) end)
            """])
        let (status, lines, _) = workspace.run(timeLimit: 500)
        #expect(lines == [
            "# greeter/spec/greeter_spec.lua",
            "not ok 1 - hangs",
            "#   spec/greeter_spec.lua: time limit exceeded",
            "not ok 2 - eats memory",
            "#   spec/greeter_spec.lua: memory limit exceeded",
            "ok 3 - still runs afterwards",
            "1 passed, 2 failed",
        ])
        #expect(status == 1)
        let filtered = workspace.run(filter: "after%a+$", timeLimit: 500)
        #expect(filtered.lines.suffix(2) == ["ok 1 - still runs afterwards", "1 passed, 0 failed"])
        #expect(filtered.status == 0)
    }

    @Test("a spec that does not compile, or a plugin that does not load, is exit status 2; other files still run")
    func unloadable() throws {
        let workspace = try Workspace(specs: [
            "a_spec.lua": "it('x', function() end",
            "b_spec.lua": "it('works', function() end)",
        ])
        var (status, lines, _) = workspace.run()
        #expect(lines.count == 6)
        #expect(lines[1] == "not ok 1 - greeter/spec/a_spec.lua could not be loaded")
        #expect(lines[2].hasPrefix("#   spec/a_spec.lua:1:"))
        #expect(lines[4] == "ok 2 - works")
        #expect(lines.last == "1 passed, 1 failed")
        #expect(status == 2)

        let broken = try Workspace(specs: ["c_spec.lua": "local lt = require('lantern.test') it('loads', function() lt.tenant{} end)"],
                                   main: "return {")
        (status, lines, _) = broken.run()
        #expect(status == 2)
        #expect(lines.contains { $0.contains("lt.tenant: plugin") && $0.contains("main.lua:1:") })
    }

    @Test("--junit writes XML that parses, with a testcase per test and failures and skips marked")
    func junit() throws {
        let workspace = try Workspace(specs: ["greeter_spec.lua": Self.passing + "\nit('fails', function() assert.equal(1, 2) end)\n"])
        let (status, _, run) = workspace.run()
        #expect(status == 1)
        let document = try XMLDocument(xmlString: JUnitReport.xml(run.reports))
        let cases = try document.nodes(forXPath: "//testcase")
        #expect(cases.count == 4)
        let failures = try document.nodes(forXPath: "//testcase/failure")
        #expect(failures.count == 1)
        #expect((failures.first as? XMLElement)?.attribute(forName: "message")?.stringValue == "spec/greeter_spec.lua:27: expected 1, got 2")
        #expect(try document.nodes(forXPath: "//testcase/skipped").count == 1)
        let suite = try #require(try document.nodes(forXPath: "//testsuite").first as? XMLElement)
        #expect(suite.attribute(forName: "tests")?.stringValue == "4")
        #expect(suite.attribute(forName: "failures")?.stringValue == "1")
    }
}
