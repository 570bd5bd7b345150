import CRMCore
import Foundation
import PluginHost

/// `create_with_plugins_per_s` / `create_ratio`: customers created one by one through CRMCore
/// (each its own durable transaction in a SQLite file) in a demo tenant with three example
/// plugins loaded, against a second demo tenant with none.
enum CreateBench {
    static func measure(_ settings: BenchSettings) throws -> [BenchMetric] {
        let workspace = try BenchWorkspace("create")
        let hooked = try workspace.demoTenant("with-plugins").crm
        let bare = try workspace.demoTenant("without-plugins").crm
        let host = try ExamplePlugins.load(for: hooked, from: settings.plugins, into: workspace)

        var next = 0
        func create(_ count: Int, in crm: CRM) throws {
            for _ in 0..<count {
                next += 1
                try crm.customers.create(NewCustomer(name: "Khách hàng \(next)", phone: String(format: "09%08d", next),
                                                     source: "website"), by: .user("an"))
            }
        }
        let perRound = settings.createsPerRound
        try create(20, in: hooked)   // warm up
        try create(20, in: bare)
        let (with, without) = try Timing.paired(rounds: settings.rounds, subject: { try create(perRound, in: hooked) },
                                                floor: { try create(perRound, in: bare) })
        let invocations = host.statuses().reduce(0) { $0 + $1.invocations }
        let withRate = Double(perRound) / with
        let withoutRate = Double(perRound) / without
        return [
            BenchMetric("create_with_plugins_per_s", withRate, unit: "/s",
                        detail: "customers created with \(ExamplePlugins.names.joined(separator: ", ")) loaded (\(invocations) hook calls)"),
            BenchMetric("create_per_s", withoutRate, unit: "/s", detail: "the same creates with no plugins"),
            BenchMetric("create_ratio", withRate / withoutRate, unit: "×", target: .atLeast(0.5),
                        detail: "create_with_plugins_per_s / create_per_s (durable SQLite file, one transaction each)"),
        ]
    }
}

/// The demo tenant's example plugins the create and import measurements load.
enum ExamplePlugins {
    /// Reclaim hooks every new customer (and schedules its wait); the other two react to sales.
    static let names = ["reclaim", "mark-buyer", "loyalty-points"]

    static func load(for crm: CRM, from source: URL, into workspace: BenchWorkspace) throws -> PluginHost {
        let folder = try workspace.copyPlugins(names, from: source, tenant: UUID().uuidString)
        let host = PluginHost(crm: crm, folder: folder)
        for status in host.loadAll() where status.state != .loaded {
            throw BenchError("example plugin \(status.name) did not load: \(status.error ?? "")")
        }
        return host
    }
}
