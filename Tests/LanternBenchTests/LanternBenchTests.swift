import CRMCore
import Foundation
@testable import LanternBench
import LuaRuntime
@testable import PluginHost
import Testing

private let demoPlugins = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("plugins").appendingPathComponent("demo")

/// Every measurement at a tiny size: what runs, what it reports. No figure is asserted against a
/// target here (speed is the bench's job, not the test suite's); only that each is measured.
@Suite("lantern bench", .serialized)
struct LanternBenchTests {
    @Test("the host's event table is the very table the C floor builds")
    func sameEventTable() throws {
        let lua = try LuaState()
        let pushed = try lua.readBack { LuaSnapshots.push(BenchEvent.event, $0) }
        let floor = try LuaFloorState.eventTable()
        #expect(pushed == floor)
        #expect(pushed.table?["customer"].table?.entries.count == 15)
    }

    @Test("every measurement runs and reports its keys, with the targets of issue 6")
    func everyMeasurement() throws {
        var settings = BenchSettings(quick: true, plugins: demoPlugins)
        settings.rounds = 1
        settings.dispatchCalls = 200
        settings.sandboxCalls = 2
        settings.createsPerRound = 5
        settings.importRows = 40
        settings.jobs = 30
        settings.tenants = 5
        settings.reloads = 2
        settings.runaways = 5
        var started: [String] = []
        let report = try LanternBench.run(settings) { started.append($0) }
        #expect(started == LanternBench.measurements.map(\.name))
        let targets: [String: BenchTarget] = [
            "dispatch_ratio": .atMost(1.5), "sandbox_overhead_ratio": .atMost(1.10), "create_ratio": .atLeast(0.5),
            "import_ratio": .atLeast(0.5), "import_core_ratio": .atLeast(0.3), "memory_per_plugin_kb": .atMost(150),
            "reload_ms": .atMost(250), "runaway_stop_ms_p99": .atMost(5),
        ]
        for key in ["dispatch_ns", "dispatch_ratio", "sandbox_overhead_ratio", "create_with_plugins_per_s", "create_ratio",
                    "import_rows_per_s", "import_ratio", "import_core_ratio", "job_fire_per_s", "memory_per_plugin_kb",
                    "reload_ms", "runaway_stop_ms_p99"] {
            let metric = try #require(report[key], "\(key) missing")
            // Resident memory is the whole test process's, which other suites grow and shrink while
            // these 5 tenants load: it can read below zero here (never in a lone `lantern bench`).
            #expect(metric.value.isFinite && (metric.value >= 0 || key.hasPrefix("memory_")), "\(key) = \(metric.value)")
            #expect(metric.target == targets[key], "\(key)")
        }
        // The example plugins really ran during the create and import measurements.
        #expect(report["create_with_plugins_per_s"]?.detail.contains("(0 hook calls)") == false)
        #expect(report["import_rows_per_s"]?.detail.contains("(40 hook calls)") == true)
        let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any]
        #expect(json?.count == report.metrics.count + 3)
        #expect(report.table().contains("dispatch_ratio"))
    }

    @Test("the dispatch's repeated hook calls are whole invocations, each with its own log cap")
    func repeatedHookCalls() throws {
        let workspace = try BenchWorkspace("repeat-test")
        let crm = try BenchWorkspace.adminOnlyTenant()
        let folder = try workspace.writePlugin(tenant: "t", name: "counter", extra: "[limits]\nlog_lines = 1", main: """
            local M = {}
            local calls = 0
            function M.on_customer_created(event)
              calls = calls + 1
              crm.log("info", "call " .. calls .. " for " .. event.customer.code)
              crm.log("info", "over this invocation's cap")
            end
            return M
            """)
        let host = PluginHost(crm: crm, folder: folder)
        #expect(host.load(folder: folder.appendingPathComponent("counter")).state == .loaded)
        try host.callHook(of: "counter", for: BenchEvent.event, times: 3)
        let lines = host.logs(of: "counter").map(\.message)
        #expect(lines.filter { $0.hasPrefix("call ") } == ["call 1 for KH000042", "call 2 for KH000042", "call 3 for KH000042"])
        #expect(lines.filter { $0.contains("dropped") }.count == 3)
        #expect(throws: PluginLoadError.self) { try host.callHook(of: "missing", for: BenchEvent.event, times: 2) }
    }

    @Test("an unknown measurement is refused before anything runs")
    func unknownMeasurement() {
        #expect(throws: BenchError.self) {
            try LanternBench.run(BenchSettings(quick: true, plugins: demoPlugins), only: ["dispatch", "warp"])
        }
    }

    @Test("the report marks missed targets and writes JSON numbers")
    func reportFormat() throws {
        var report = BenchReport(quick: false)
        report.metrics = [
            BenchMetric("dispatch_ratio", 1.72, unit: "×", target: .atMost(1.5), detail: "d"),
            BenchMetric("create_ratio", 0.81, unit: "×", target: .atLeast(0.5), detail: "c"),
            BenchMetric("job_fire_per_s", 1234, unit: "/s", detail: "j"),
        ]
        #expect(report.missed == ["dispatch_ratio"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect((json["dispatch_ratio"] as? NSNumber)?.doubleValue == 1.72)
        #expect((json["job_fire_per_s"] as? NSNumber)?.intValue == 1234)
        #expect(json["missed"] as? [String] == ["dispatch_ratio"])
        #expect(report.table().contains("MISSED"))
        #expect(report.table().hasSuffix("missed: dispatch_ratio"))
    }
}
