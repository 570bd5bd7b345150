import CRMCore
import Foundation
import LuaRuntime
import PluginHost

/// `memory_per_plugin_kb`: resident memory each loaded plugin adds, over many tenants with one
/// plugin each (the demo's mark-buyer, in its own sandboxed state with the `crm` API), against
/// a bare `luaL_newstate` with the standard libraries.
enum PluginMemoryBench {
    static func measure(_ settings: BenchSettings) throws -> [BenchMetric] {
        let workspace = try BenchWorkspace("memory")
        let source = settings.plugins.appendingPathComponent("mark-buyer").appendingPathComponent("main.lua")
        guard let main = try? String(contentsOf: source, encoding: .utf8) else {
            throw BenchError("example plugin mark-buyer not found at \(source.path) (run from the repository, or pass --plugins)")
        }
        let folder = try workspace.writePlugin(tenant: "each", name: "mark-buyer",
                                               permissions: ["customers.read", "customers.update", "orders.read"],
                                               extra: "[config]\nrelationship = \"Đã mua hàng\"", main: main)
        let count = settings.tenants

        // The floor first, released before the plugins are measured.
        let floorBytes = try residentGrowth { try BareLuaStates(count: count) }

        // Tenants and their hosts exist before the baseline: only the plugins are counted.
        let hosts = try (0..<count).map { _ -> PluginHost in
            PluginHost(crm: try BenchWorkspace.adminOnlyTenant(), folder: folder)
        }
        let before = ResidentMemory.bytes()
        for host in hosts {
            let status = host.load(folder: folder.appendingPathComponent("mark-buyer"))
            guard status.state == .loaded else { throw BenchError("mark-buyer did not load: \(status.error ?? "")") }
        }
        let pluginBytes = ResidentMemory.bytes() - before
        withExtendedLifetime(hosts) {}

        let perPlugin = Double(pluginBytes) / Double(count) / 1024
        let perState = Double(floorBytes) / Double(count) / 1024
        return [
            BenchMetric("memory_per_plugin_kb", perPlugin, unit: "KiB", target: .atMost(150),
                        detail: "resident memory per loaded plugin, \(count) tenants with one plugin each"),
            BenchMetric("memory_floor_kb", perState, unit: "KiB", detail: "a bare luaL_newstate with the standard libraries"),
            BenchMetric("memory_ratio", perPlugin / perState, unit: "×", detail: "memory_per_plugin_kb / memory_floor_kb"),
        ]
    }

    /// Resident bytes added while what `make` returns is alive.
    private static func residentGrowth<T>(_ make: () throws -> T) throws -> Int {
        let before = ResidentMemory.bytes()
        let value = try make()
        let after = ResidentMemory.bytes()
        withExtendedLifetime(value) {}
        return after - before
    }
}
