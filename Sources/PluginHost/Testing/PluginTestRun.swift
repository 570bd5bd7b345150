import CRMCore
import Foundation

/// `lantern plugin test [PATH ...] [--junit FILE] [--filter PATTERN]` (plugin-api.md section 10):
/// finds every `spec/*_spec.lua` of every plugin under the paths, runs each file against fresh
/// in-memory tenants, prints one line per test and a summary, and says which exit status applies.
public final class PluginTestRun {
    /// One spec file's results, for the report and JUnit.
    public struct FileReport: Sendable {
        public let plugin: String
        public let file: String
        public let results: [SpecResult]
        /// Why the file (or a plugin it loads) could not be loaded, if so.
        public let loadError: String?
    }

    public let paths: [URL]
    public let filter: String?
    let timeLimitMilliseconds: UInt32
    let memoryLimit: Int
    let makeStore: () throws -> any TenantStore
    let output: (String) -> Void
    /// The `lantern` executable that runs each spec file in a child process of its own, or nil to
    /// run them all in this process.
    let isolatingWith: URL?
    public private(set) var reports: [FileReport] = []

    /// `makeStore` gives each `lt.tenant{}` its fresh store (an in-memory database); `output`
    /// receives the lines to print.
    /// Each spec state gets `timeLimitMilliseconds` per test and `memoryLimit` bytes. With
    /// `isolatingWith` (the `lantern` executable), each file runs in a child process, so a file
    /// whose spec crashes is reported as crashed and the other files still run (`SpecProcess`).
    public init(paths: [URL], filter: String? = nil, timeLimitMilliseconds: UInt32 = SpecFile.defaultTimeLimitMilliseconds,
                memoryLimit: Int = SpecFile.defaultMemoryLimit, isolatingWith: URL? = nil,
                makeStore: @escaping () throws -> any TenantStore, output: @escaping (String) -> Void) {
        self.paths = paths
        self.filter = filter
        self.timeLimitMilliseconds = timeLimitMilliseconds
        self.memoryLimit = memoryLimit
        self.isolatingWith = isolatingWith
        self.makeStore = makeStore
        self.output = output
    }

    /// Runs everything; returns the exit status: 0 all passed, 1 a test failed, 2 a plugin or
    /// spec could not be loaded.
    public func run() -> Int32 {
        var number = 0
        var passed = 0
        var failed = 0
        var unloadable = false
        let plugins: [URL]
        do { plugins = try Self.plugins(under: paths) } catch {
            output("\(error)")
            output("0 passed, 0 failed")
            return 2
        }
        for plugin in plugins {
            for file in Self.specFiles(of: plugin) {
                let label = plugin.lastPathComponent + "/spec/" + file.lastPathComponent
                output("# \(label)")
                let ran = runFile(file, of: plugin)
                var (results, loadError) = (ran.results, ran.loadError)
                if let loadError {
                    unloadable = true
                    number += 1
                    failed += 1
                    output("not ok \(number) - \(label) could not be loaded")
                    output("#   \(loadError)")
                }
                for result in results {
                    number += 1
                    // A name is one line of the report: a newline in it could pass for another test's line.
                    let name = result.name.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
                    switch result.outcome {
                    case .passed:
                        passed += 1
                        output("ok \(number) - \(name)")
                    case .pending:
                        output("ok \(number) - \(name) # pending")
                    case .failed(let message):
                        failed += 1
                        output("not ok \(number) - \(name)")
                        for line in message.split(separator: "\n", omittingEmptySubsequences: false) { output("#   \(line)") }
                    }
                }
                if let signal = ran.crashSignal {
                    number += 1
                    failed += 1
                    let crash = "crashed (signal \(signal))"
                    output("not ok \(number) - \(label) \(crash)")
                    loadError = loadError.map { $0 + "; " + crash } ?? crash
                }
                reports.append(FileReport(plugin: plugin.lastPathComponent, file: label, results: results, loadError: loadError))
            }
        }
        output("\(passed) passed, \(failed) failed")
        return unloadable ? 2 : failed > 0 ? 1 : 0
    }

    /// Runs one spec file, here or in a child process.
    private func runFile(_ file: URL, of plugin: URL) -> SpecProcess.Report {
        if let executable = isolatingWith {
            return SpecProcess.run(executable: executable, file: file, plugin: plugin, filter: filter, output: output)
        }
        let spec = SpecFile(file: file, plugin: plugin, filter: filter, timeLimitMilliseconds: timeLimitMilliseconds,
                            memoryLimit: memoryLimit, makeStore: makeStore, output: output)
        var report = SpecProcess.Report()
        do {
            report.results = try spec.run()
        } catch {
            report.loadError = String(describing: error)
        }
        if report.loadError == nil, let failure = spec.loadFailures.first { report.loadError = failure }
        return report
    }

    // MARK: Finding specs

    /// The plugin folders under each path: a plugin folder, a tenant folder, or a plugins root.
    static func plugins(under paths: [URL]) throws -> [URL] {
        let files = FileManager.default
        func isPlugin(_ url: URL) -> Bool { files.fileExists(atPath: url.appendingPathComponent("plugin.toml").path) }
        func children(_ url: URL) -> [URL] {
            ((try? files.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? [])
                .filter { var isFolder: ObjCBool = false; return files.fileExists(atPath: $0.path, isDirectory: &isFolder) && isFolder.boolValue }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        }
        var found: [URL] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard files.fileExists(atPath: path.path, isDirectory: &isFolder), isFolder.boolValue else {
                throw SpecLoadError("\(path.path): no such folder")
            }
            if isPlugin(path) { found.append(path); continue }
            for child in children(path) {
                if isPlugin(child) { found.append(child) } else { found += children(child).filter(isPlugin) }
            }
        }
        return found
    }

    static func specFiles(of plugin: URL) -> [URL] {
        let folder = plugin.appendingPathComponent("spec")
        return ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.lastPathComponent.hasSuffix("_spec.lua") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
