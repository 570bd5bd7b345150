import CRMCore
import Foundation
import Testing
@testable import PluginHost

/// Manifests, loading, reloading and restarts (plugin-api.md sections 2 and 8).
@Suite("Plugin host: manifests and loading")
struct LoadingTests {
    static let hook = "return { on_customer_created = function(e) crm.log('v1') end }"

    @Test("bad manifests are refused naming the file, the key and the problem", arguments: [
        ("version = \"1.0.0\"\nrun_as = \"automation\"\npermissions = []", "key 'name': is missing"),
        ("name = \"Bad Name\"\nversion = \"1.0.0\"\nrun_as = \"automation\"\npermissions = []", "key 'name': must be made of a-z, 0-9 and '-'"),
        ("name = \"p\"\nversion = \"1.0\"\nrun_as = \"automation\"\npermissions = []", "key 'version': must be a semantic version"),
        ("name = \"p\"\nversion = \"1.0.0\"\npermissions = []", "key 'run_as': is missing"),
        ("name = \"p\"\nversion = \"1.0.0\"\nrun_as = \"nobody\"\npermissions = []", "key 'run_as': unknown user \"nobody\""),
        ("name = \"p\"\nversion = \"1.0.0\"\nrun_as = \"automation\"", "key 'permissions': is missing"),
        ("name = \"p\"\nversion = \"1.0.0\"\nrun_as = \"automation\"\npermissions = [\"customers.fly\"]", "key 'permissions': unknown permission \"customers.fly\""),
        ("name = \"p\"\nversion = \"1.0.0\"\nrun_as = \"automation\"\npermissions = []\nenabled = \"yes\"", "key 'enabled': must be true or false"),
        ("name = \"p\"\nversion = \"1.0.0\"\nrun_as = \"automation\"\npermissions = []\n[limits]\ntime_ms = 5000", "key 'limits.time_ms': must be between 1 and 1000, got 5000"),
        ("name = \"p\"\nversion = \"1.0.0\"\nrun_as = \"automation\"\npermissions = []\n[limits]\nmemory_mb = 0", "key 'limits.memory_mb': must be between 1 and 256"),
        ("name = \"p\"\nversion = \"1.0.0\"\nrun_as = \"automation\"\npermissions = []\n[limits]\ncpu = 1", "key 'limits.cpu': unknown key"),
        ("name = \"p\"\nversion = \"1.0.0\"\nrun_as = \"automation\"\npermissions = []\nhooks = 1", "key 'hooks': unknown key"),
        ("name = \"p\"\nversion = ", "plugin.toml:2: not valid TOML"),
    ])
    func badManifests(_ manifest: String, _ expected: String) throws {
        let tenant = try PluginFixture()
        let plugin = tenant.folder.appendingPathComponent("p")
        try FileManager.default.createDirectory(at: plugin, withIntermediateDirectories: true)
        try manifest.write(to: plugin.appendingPathComponent("plugin.toml"), atomically: true, encoding: .utf8)
        try Self.hook.write(to: plugin.appendingPathComponent("main.lua"), atomically: true, encoding: .utf8)
        let status = try #require(tenant.host.loadAll().first)
        #expect(status.state == .failed)
        #expect(status.error?.hasPrefix(plugin.appendingPathComponent("plugin.toml").path) == true, "\(String(describing: status.error))")
        #expect(status.error?.contains(expected) == true, "\(String(describing: status.error))")
    }

    @Test("Lua syntax errors in main.lua or lib/ name the file and line; a missing module is an error")
    func luaErrorsAtLoad() throws {
        let tenant = try PluginFixture()
        try tenant.write("broken-main", main: "local M = {}\nfunction M.on_customer_created(e)\n  crm.log(\n end\nreturn M")
        try tenant.write("broken-lib", main: "return {}", lib: ["lib/util.lua": "return {"])
        try tenant.write("not-a-module", main: "return 42")
        try tenant.write("missing-require", main: "local x = require('lib.nothere') return {}")
        let statuses = Dictionary(uniqueKeysWithValues: tenant.host.loadAll().map { ($0.name, $0) })
        #expect(statuses["broken-main"]?.error?.contains("main.lua:4:") == true, "\(String(describing: statuses["broken-main"]?.error))")
        #expect(statuses["broken-lib"]?.error?.contains("lib/util.lua:1:") == true, "\(String(describing: statuses["broken-lib"]?.error))")
        #expect(statuses["not-a-module"]?.error?.contains("must return the module table") == true)
        #expect(statuses["missing-require"]?.error?.contains("module 'lib.nothere' not found") == true)
        #expect(statuses.values.allSatisfy { $0.state == .failed })
    }

    @Test("lib/ modules load with require, and unknown hook names are warned about")
    func modulesAndHookNames() throws {
        let tenant = try PluginFixture()
        try tenant.write("modular", main: """
            local text = require("lib.text")
            local M = {}
            function M.on_customer_created(e) crm.log(text.shout(e.customer.name)) end
            function M.on_custmer_created(e) end
            return M
            """, lib: ["lib/text.lua": "return { shout = function(s) return s:upper() .. '!' end }"])
        tenant.host.loadAll()
        try tenant.customer("an")
        #expect(tenant.messages("modular").contains("AN!"))
        #expect(tenant.messages("modular").contains { $0.hasPrefix("on_custmer_created is not a hook name") })
    }

    @Test("reloading swaps the version; a broken version leaves the old one serving, with its error")
    func reloadSwapsAtomically() throws {
        let tenant = try PluginFixture()
        let folder = try tenant.write("live", main: Self.hook)
        tenant.host.loadAll()
        try tenant.customer()
        try tenant.write("live", main: "return { on_customer_created = function(e) crm.log('v2') end }", version: "2.0.0")
        #expect(tenant.host.load(folder: folder).version == "2.0.0")
        try tenant.customer()
        try tenant.write("live", main: "return { on_customer_created = function(e) crm.log('v3') end", version: "3.0.0")
        let failed = tenant.host.load(folder: folder)
        #expect(failed.state == .loaded)
        #expect(failed.version == "2.0.0")
        #expect(failed.error?.contains("main.lua:1:") == true)
        try tenant.customer()
        #expect(tenant.messages("live").filter { $0.hasPrefix("v") } == ["v1", "v2", "v2"])
        // A removed plugin is unloaded.
        try FileManager.default.removeItem(at: folder)
        #expect(tenant.host.loadAll().isEmpty)
    }

    @Test("after a limit the plugin starts afresh: module-level values are gone")
    func limitRestartsThePlugin() throws {
        let tenant = try PluginFixture()
        try tenant.write("counter", main: """
            local count = 0
            return { on_customer_created = function(e)
              count = count + 1
              crm.log("count " .. count)
              if e.customer.name == "hang" then while true do end end
            end }
            """, manifest: "[limits]\ntime_ms = 50")
        tenant.host.loadAll()
        try tenant.customer("a")
        try tenant.customer("b")
        try tenant.customer("hang")
        try tenant.customer("c")
        #expect(tenant.messages("counter").filter { $0.hasPrefix("count") } == ["count 1", "count 2", "count 3", "count 1"])
        #expect(tenant.host.status(of: "counter")?.timeouts == 1)
        #expect(tenant.host.status(of: "counter")?.errors == 1)
    }

    @Test("a tenant admin may lower the ceilings; a manifest asking for more is refused")
    func tenantCeilings() throws {
        let tenant = try PluginFixture()
        try tenant.crm.pluginSettings.setCeilings(timeMilliseconds: 200, memoryMegabytes: 8, by: tenant.admin)
        try tenant.write("greedy", main: "return {}", manifest: "[limits]\ntime_ms = 500")
        try tenant.write("modest", main: "return {}", manifest: "[limits]\ntime_ms = 150\nmemory_mb = 8")
        let statuses = Dictionary(uniqueKeysWithValues: tenant.host.loadAll().map { ($0.name, $0) })
        #expect(statuses["greedy"]?.error?.contains("key 'limits.time_ms': must be between 1 and 200, got 500") == true,
                "\(String(describing: statuses["greedy"]?.error))")
        #expect(statuses["modest"]?.state == .loaded)
        try tenant.write("defaults", main: "return {}")
        #expect(try PluginBundle.read(from: tenant.folder.appendingPathComponent("defaults"),
                                      ceilings: PluginLimits(timeMilliseconds: 200, memoryMegabytes: 8, logLines: 10_000)).manifest.limits.memoryMegabytes == 8)
        #expect(throws: CRMError.permissionDenied(.pluginsManage)) {
            try tenant.crm.pluginSettings.setCeilings(timeMilliseconds: 1000, memoryMegabytes: 256, by: .user("an"))
        }
    }

    @Test("two folders may not claim the same plugin name")
    func namesAreUnique() throws {
        let tenant = try PluginFixture()
        try tenant.write("first", main: "return {}")
        let twin = tenant.folder.appendingPathComponent("second")
        try FileManager.default.createDirectory(at: twin, withIntermediateDirectories: true)
        try "name = \"first\"\nversion = \"1.0.0\"\nrun_as = \"automation\"\npermissions = []"
            .write(to: twin.appendingPathComponent("plugin.toml"), atomically: true, encoding: .utf8)
        try "return {}".write(to: twin.appendingPathComponent("main.lua"), atomically: true, encoding: .utf8)
        let statuses = tenant.host.loadAll()
        #expect(statuses.filter { $0.state == .failed }.first?.error?.contains("is already the name of the plugin") == true)
    }
}
