import CRMCore
import Foundation
import PluginHost

/// `reload_ms`: from saving a plugin's main.lua to its new version answering a hook, through the
/// real inotify watcher (which waits for the save to settle, validates, then swaps).
enum ReloadBench {
    static func version(_ number: Int) -> String {
        """
        local M = {}
        function M.on_customer_created(event)
          crm.log("info", "version \(number)")
        end
        return M
        """
    }

    static func measure(_ settings: BenchSettings) throws -> [BenchMetric] {
        let workspace = try BenchWorkspace("reload")
        let crm = try BenchWorkspace.adminOnlyTenant()
        let folder = try workspace.writePlugin(tenant: "reload", name: "answering", main: version(0))
        let host = PluginHost(crm: crm, folder: folder)
        host.loadAll()
        let watcher = try PluginWatcher(host: host)
        watcher.start()
        defer { watcher.stop() }
        let main = folder.appendingPathComponent("answering").appendingPathComponent("main.lua")

        var times: [Double] = []
        for number in 1...settings.reloads {
            let expected = "version \(number)"
            let start = DispatchTime.now().uptimeNanoseconds
            try Data(version(number).utf8).write(to: main)
            while true {
                try host.callHook(of: "answering", for: BenchEvent.event)
                if host.logs(of: "answering").last?.message == expected { break }
                if DispatchTime.now().uptimeNanoseconds - start > 10_000_000_000 { throw BenchError("version \(number) never answered") }
                usleep(250)
            }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            usleep(50_000)   // let the watcher go quiet before the next save
        }
        return [
            BenchMetric("reload_ms", Timing.median(times), unit: "ms", target: .atMost(250),
                        detail: "saved main.lua to the new version answering (median of \(times.count))"),
            BenchMetric("reload_ms_max", times.max() ?? .nan, unit: "ms", detail: "the slowest of those reloads"),
        ]
    }
}
