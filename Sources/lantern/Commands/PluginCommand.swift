import ArgumentParser
import CRMStore
import Foundation
import PluginHost

/// `lantern plugin test|check|new` (plugin-api.md sections 9 and 10).
struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin", abstract: "Test, check and scaffold plugins.",
        subcommands: [Test.self, Check.self, New.self])

    /// The paths given, or `./plugins`.
    static func folders(_ paths: [String]) -> [URL] {
        (paths.isEmpty ? ["./plugins"] : paths).map { URL(fileURLWithPath: $0).standardizedFileURL }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the spec/*_spec.lua files of plugins against fresh in-memory tenants.",
            discussion: "Exit status: 0 when every test passed, 1 when one failed, 2 when a plugin or spec could not be loaded.")
        @Argument(help: "Plugin folders, tenant folders or plugins roots (default ./plugins).") var paths: [String] = []
        @Option(help: ArgumentHelp("Also write JUnit XML to this file.", valueName: "FILE")) var junit: String?
        @Option(help: ArgumentHelp("Run only tests whose name matches this Lua pattern.", valueName: "PATTERN")) var filter: String?
        /// The child's side of running each spec file in a process of its own (SpecProcess).
        @Option(help: ArgumentHelp("Run this one spec file and report as JSON lines (used by the command itself).", visibility: .private))
        var runSpec: String?
        @Option(help: ArgumentHelp("The plugin folder of --run-spec.", visibility: .private)) var specPlugin: String?

        func run() throws {
            if let runSpec, let specPlugin {
                let status = SpecProcess.runChild(file: URL(fileURLWithPath: runSpec), plugin: URL(fileURLWithPath: specPlugin),
                                                  filter: filter, makeStore: { try SQLiteTenantStore.inMemory() })
                if status != 0 { throw ExitCode(status) }
                return
            }
            let run = PluginTestRun(paths: PluginCommand.folders(paths), filter: filter,
                                    isolatingWith: Self.executable,
                                    makeStore: { try SQLiteTenantStore.inMemory() },
                                    output: { line in print(line) })
            let status = run.run()
            if let junit {
                do {
                    try JUnitReport.xml(run.reports).write(toFile: junit, atomically: true, encoding: .utf8)
                } catch {
                    throw fail("cannot write the JUnit report to \(junit): \(error.localizedDescription)")
                }
            }
            if status != 0 { throw ExitCode(status) }
        }

        /// This executable, started again for each spec file.
        static var executable: URL {
            let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            return URL(fileURLWithPath: path)
        }
    }
}
