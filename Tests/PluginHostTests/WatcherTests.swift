import CRMCore
import Foundation
import Testing
@testable import PluginHost

/// Hot reload through the real inotify watcher (plugin-api.md section 8).
@Suite("Plugin host: hot reload")
struct WatcherTests {
    /// Waits up to 5 s for `condition`.
    func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test("a saved change is swapped in; a broken save keeps the old version; new and removed folders follow")
    func savesAreReloaded() throws {
        let tenant = try PluginFixture()
        let folder = try tenant.write("live", main: "return { on_customer_created = function() crm.log('v1') end }")
        tenant.host.loadAll()
        let watcher = try PluginWatcher(host: tenant.host)
        watcher.start()
        defer { watcher.stop() }

        try tenant.write("live", main: "return { on_customer_created = function() crm.log('v2') end }", version: "2.0.0")
        #expect(eventually { tenant.host.status(of: "live")?.version == "2.0.0" })
        try tenant.customer()
        #expect(tenant.messages("live").last == "v2")

        try "return { on_customer_created = function() crm.log('v3') end"
            .write(to: folder.appendingPathComponent("main.lua"), atomically: false, encoding: .utf8)
        #expect(eventually { tenant.host.status(of: "live")?.error?.contains("main.lua:1:") == true })
        #expect(tenant.host.status(of: "live")?.version == "2.0.0")
        #expect(tenant.host.status(of: "live")?.state == .loaded)

        try tenant.write("newcomer", main: "return { on_customer_created = function() crm.log('hello') end }")
        #expect(eventually { tenant.host.status(of: "newcomer")?.state == .loaded })
        try tenant.write("newcomer", main: "return { on_customer_created = function() crm.log('hello again') end }", version: "1.1.0")
        #expect(eventually { tenant.host.status(of: "newcomer")?.version == "1.1.0" })

        try FileManager.default.removeItem(at: folder)
        #expect(eventually { tenant.host.status(of: "live") == nil })
    }
}
