import CRMStore
import Foundation
import Testing
@testable import PluginHost

/// `lantern plugin check` and `lantern plugin new`, on real plugin folders.
@Suite("Plugin check and scaffold")
struct CheckTests {
    func check(_ fixture: PluginFixture, _ name: String) -> [String] {
        PluginCheck.check(fixture.folder.appendingPathComponent(name)) { try SQLiteTenantStore.inMemory() }
            .map { $0.description.replacingOccurrences(of: fixture.folder.path + "/", with: "") }
    }

    @Test("a misspelt hook, a missing handler and a missing permission are each reported with file and line")
    func mistakes() throws {
        let fixture = try PluginFixture()
        try fixture.write("sloppy", main: """
            local M = {}
            function M.on_custmer_created(e) end
            function M.on_order_created(e)
              crm.schedule({days = 1}, "folow_up", {id = e.customer.id})
              crm.schedule(60, 'follow_up', {})
              crm.customers.assign(e.customer.id, "an") -- needs customers.assign
            end
            function M.follow_up() end
            return M
            """, permissions: #"["customers.read"]"#)
        #expect(check(fixture, "sloppy") == [
            "sloppy/main.lua:2: on_custmer_created is not a hook name and will never be called (did you mean on_customer_created?)",
            "sloppy/main.lua:4: crm.schedule names the handler 'folow_up', which the module does not define",
            "sloppy/main.lua:6: crm.customers.assign needs the permission customers.assign, which plugin.toml does not list",
        ])
    }

    @Test("bad manifests, syntax errors and failing main chunks are reported where they are")
    func unloadable() throws {
        let fixture = try PluginFixture()
        try fixture.write("badkey", main: "return {}", manifest: "[limits]\ntime_ms = \"fast\"")
        try fixture.write("syntax", main: "local M = {}\nfunction M.on_order_created(e)\n  if then\nend\nreturn M")
        try fixture.write("broken", main: "local x = nil\nreturn x.y")
        try fixture.write("clean", main: "return { on_order_created = function(e) crm.customers.get(e.customer.id) end }")
        let badkey = check(fixture, "badkey")
        #expect(badkey.count == 1)
        #expect(badkey.first?.hasPrefix("badkey/plugin.toml:6: key 'limits.time_ms':") == true, "\(badkey)")
        #expect(check(fixture, "syntax") == ["syntax/main.lua:3: unexpected symbol near 'then'"])
        #expect(check(fixture, "broken") == ["broken/main.lua:2: attempt to index a nil value (local 'x')"])
        #expect(check(fixture, "clean").isEmpty)
    }

    @Test("a scaffolded plugin passes check and its own spec; names are checked; nothing is overwritten")
    func scaffold() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lantern-new-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let files = try PluginScaffold.create(tenant: "acme", name: "welcome-call", under: root)
        #expect(files.map(\.lastPathComponent) == ["plugin.toml", "main.lua", "welcome_call_spec.lua", ".luarc.json", "lantern.lua"])
        let plugin = root.appendingPathComponent("acme/welcome-call")
        #expect(PluginCheck.check(plugin) { try SQLiteTenantStore.inMemory() }.isEmpty)
        var lines: [String] = []
        let status = PluginTestRun(paths: [plugin], makeStore: { try SQLiteTenantStore.inMemory() }, output: { lines.append($0) }).run()
        #expect(status == 0, "\(lines)")
        #expect(lines.last == "1 passed, 0 failed")
        let luarc = try JSONSerialization.jsonObject(with: Data(contentsOf: plugin.appendingPathComponent(".luarc.json"))) as? [String: Any]
        let library = try #require(luarc?["workspace.library"] as? [String])
        #expect(FileManager.default.fileExists(atPath: plugin.appendingPathComponent(library[0]).appendingPathComponent("lantern.lua").path))
        #expect(throws: SpecLoadError.self) { try PluginScaffold.create(tenant: "acme", name: "welcome-call", under: root) }
        #expect(throws: SpecLoadError.self) { try PluginScaffold.create(tenant: "acme", name: "Bad Name", under: root) }
    }

    @Test("the annotations shipped in plugins/.luals are the ones plugin new writes")
    func annotationsInRepository() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("plugins/.luals/lantern.lua")
        #expect(try String(contentsOf: shipped, encoding: .utf8) == LuaAnnotations.text + "\n")
        #expect(LuaAnnotations.text.hasPrefix("---@meta"))
    }
}
