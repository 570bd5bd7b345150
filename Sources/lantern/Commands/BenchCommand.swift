import ArgumentParser
import Foundation
import LanternBench

/// `lantern bench [--quick] [--json]`: speed and memory against their floors, measured side by side.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed and memory against their floors, in one run.",
        discussion: """
            Every figure is a ratio against a floor measured in the same run (plain Lua called from C, \
            the same work without plugins or limits, GRDB inserts), so it holds on any machine. \
            Build in release mode for figures that mean anything: `swift build -c release`, then \
            `.build/release/lantern bench`. Run from the repository: the example plugins are read from \
            --plugins.
            """)

    @Flag(help: "A short run (under a minute), for CI: every key, smaller samples.") var quick = false
    @Flag(help: "Print one JSON object on stdout and nothing else.") var json = false
    @Option(help: ArgumentHelp("The demo tenant's plugins folder (the example plugins).", valueName: "DIR"))
    var plugins = "plugins/demo"
    @Option(help: ArgumentHelp("Only these measurements, comma-separated: \(LanternBench.measurements.map(\.name).joined(separator: ", ")).",
                               valueName: "NAMES"))
    var only: String?

    func run() throws {
        #if DEBUG
        FileHandle.standardError.write(Data("lantern bench: this is a debug build; build with -c release for figures that mean anything\n".utf8))
        #endif
        let settings = BenchSettings(quick: quick, plugins: URL(fileURLWithPath: plugins, isDirectory: true))
        let names = only.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        let report: BenchReport
        do {
            report = try LanternBench.run(settings, only: names) { name in
                FileHandle.standardError.write(Data("measuring \(name)…\n".utf8))
            }
        } catch {
            throw fail("bench: \(error)")
        }
        print(json ? report.json() : report.table())
    }
}
