import Foundation

/// `lantern bench`: speed and memory measured against their floors in the same run (issue 6).
///
/// ```swift
/// let report = try LanternBench.run(BenchSettings(quick: true, plugins: URL(fileURLWithPath: "plugins/demo")))
/// print(report.table())
/// ```
public enum LanternBench {
    /// The measurements, by the name `--only` takes, in the order they run.
    public static let measurements: [(name: String, measure: @Sendable (BenchSettings) throws -> [BenchMetric])] = [
        ("dispatch", DispatchBench.measure),
        ("sandbox", SandboxOverheadBench.measure),
        ("runaway", RunawayBench.measure),
        ("reload", ReloadBench.measure),
        ("memory", PluginMemoryBench.measure),
        ("create", CreateBench.measure),
        ("jobs", JobFireBench.measure),
        ("import", ImportBench.measure),
    ]

    /// Runs the measurements named in `only` (all when nil); `progress` hears the name of each as it starts.
    public static func run(_ settings: BenchSettings, only: Set<String>? = nil,
                           progress: (String) -> Void = { _ in }) throws -> BenchReport {
        if let only, let unknown = only.subtracting(measurements.map(\.name)).sorted().first {
            throw BenchError("unknown measurement '\(unknown)' (measurements: \(measurements.map(\.name).joined(separator: ", ")))")
        }
        var report = BenchReport(quick: settings.quick)
        for (name, measure) in measurements where only?.contains(name) ?? true {
            progress(name)
            do {
                report.metrics += try measure(settings)
            } catch {
                throw BenchError("\(name): \(error)")
            }
        }
        return report
    }
}
