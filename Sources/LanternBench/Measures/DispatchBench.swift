import CRMCore
import Foundation
import LuaRuntime
import PluginHost

/// `dispatch_ns` / `dispatch_ratio`: one `on_customer_created` call of a trivial plugin, through
/// the real host (`PluginHost.callHook`: the plugin's state, its limits, the event table of a
/// 15-field snapshot) with no database, against the same Lua function called from C with the
/// same table built by the C API in a plain state.
enum DispatchBench {
    static func measure(_ settings: BenchSettings) throws -> [BenchMetric] {
        let workspace = try BenchWorkspace("dispatch")
        let crm = try BenchWorkspace.adminOnlyTenant()
        let folder = try workspace.writePlugin(tenant: "bench", name: "trivial", main: BenchEvent.trivialPlugin)
        let host = PluginHost(crm: crm, folder: folder)
        let status = host.load(folder: folder.appendingPathComponent("trivial"))
        guard status.state == .loaded else { throw BenchError("the trivial plugin did not load: \(status.error ?? "")") }
        let floor = try LuaFloorState(source: BenchEvent.trivialPlugin, function: "on_customer_created")

        let calls = settings.dispatchCalls
        let event = BenchEvent.event
        func hostCalls() throws { try host.callHook(of: "trivial", for: event, times: calls) }
        func floorCalls() throws { try floor.dispatch(iterations: calls) }
        try hostCalls()   // warm both up
        try floorCalls()
        let (subject, base) = try Timing.paired(rounds: settings.rounds, subject: hostCalls, floor: floorCalls)
        let hostNanoseconds = subject / Double(calls) * 1e9
        let floorNanoseconds = base / Double(calls) * 1e9
        return [
            BenchMetric("dispatch_ns", hostNanoseconds, unit: "ns", detail: "one on_customer_created call through the host, 15-field snapshot, no database"),
            BenchMetric("dispatch_floor_ns", floorNanoseconds, unit: "ns", detail: "the same function called from C, table built by the C API"),
            BenchMetric("dispatch_ratio", hostNanoseconds / floorNanoseconds, unit: "×", target: .atMost(1.5),
                        detail: "dispatch_ns / dispatch_floor_ns (median of \(settings.rounds) rounds of \(calls) calls)"),
        ]
    }
}
