import Foundation

/// How much `lantern bench` measures: the full run, or the quick one CI smokes (every key still
/// reported, from smaller samples).
public struct BenchSettings: Sendable {
    public var quick: Bool
    /// The demo tenant's plugins folder, where the example plugins are read from.
    public var plugins: URL

    /// Paired measurements alternate subject and floor this many times and keep the medians.
    var rounds: Int
    var dispatchCalls: Int
    var sandboxCalls: Int
    var createsPerRound: Int
    var importRows: Int
    var jobs: Int
    var tenants: Int
    var reloads: Int
    var runaways: Int

    public init(quick: Bool, plugins: URL) {
        self.quick = quick
        self.plugins = plugins
        rounds = quick ? 5 : 9
        dispatchCalls = quick ? 20_000 : 200_000
        sandboxCalls = quick ? 10 : 50
        createsPerRound = quick ? 100 : 400
        importRows = quick ? 10_000 : 100_000
        jobs = quick ? 5_000 : 100_000
        tenants = quick ? 200 : 1_000
        reloads = quick ? 5 : 20
        // The issue asks for the p99 of 100 runs in both modes; each costs only the time limit.
        runaways = 100
    }
}
