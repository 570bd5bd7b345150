import CRMCore
import Foundation
import LuaRuntime

/// One problem `lantern plugin check` found, printed as `file:line: message`.
public struct CheckProblem: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// `lantern plugin check` (plugin-api.md section 9, issue 4): what can be known about a plugin
/// without running a hook. The manifest is validated, every Lua file compiled and `main.lua` run
/// in the sandbox (as loading does); then its source is read for the mistakes that otherwise show
/// up only in production: a misspelt hook name, `crm.schedule` naming a handler the module does
/// not define, and a `crm` call whose permission the manifest does not list.
public enum PluginCheck {
    /// The permission each `crm` function needs (plugin-api.md section 4).
    static let permissionOfCall: [(call: String, permission: Permission)] = [
        ("crm.customers.get", .customersRead), ("crm.customers.find", .customersRead),
        ("crm.customers.update", .customersUpdate), ("crm.customers.set_relationship", .customersUpdate),
        ("crm.customers.assign", .customersAssign), ("crm.customers.add_viewer", .customersShare),
        ("crm.customers.share", .customersShare), ("crm.orders.get", .ordersRead), ("crm.orders.find", .ordersRead),
    ]

    /// Problems of the plugin in `folder` (empty when it is clean). `makeStore` gives the scratch
    /// tenant `main.lua` runs against.
    public static func check(_ folder: URL, makeStore: () throws -> any TenantStore) -> [CheckProblem] {
        let manifestPath = folder.appendingPathComponent("plugin.toml").path
        let bundle: PluginBundle
        do {
            bundle = try PluginBundle.read(from: folder)
        } catch let error as ManifestError {
            let line = error.line ?? error.key.map { keyLine($0, in: manifestPath) } ?? 1
            let message = error.key.map { "key '\($0)': \(error.problem)" } ?? error.problem
            return [CheckProblem(file: manifestPath, line: line, message: message)]
        } catch {
            return [problem(error, folder: folder)]
        }
        let instance: PluginInstance
        do {
            let crm = CRM(store: try makeStore(), clock: ManualClock(start: 1_767_200_400))
            instance = try PluginInstance(bundle: bundle, crm: crm, log: PluginLog())
        } catch {
            return [problem(error, folder: folder)]
        }
        var problems: [CheckProblem] = []
        let sources = [("main.lua", bundle.main)] + bundle.modules.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let mainPath = folder.appendingPathComponent("main.lua").path

        for name in instance.functions.sorted() where name.hasPrefix("on_") && !PluginInstance.hookNames.contains(name) {
            let closest = PluginInstance.hookNames.min { distance(name, $0) < distance(name, $1) } ?? ""
            let hint = distance(name, closest) <= 3 ? " (did you mean \(closest)?)" : ""
            problems.append(CheckProblem(file: mainPath, line: firstLine(containing: name, in: bundle.main) ?? 1,
                                         message: "\(name) is not a hook name and will never be called\(hint)"))
        }
        for (path, source) in sources {
            let file = folder.appendingPathComponent(path).path
            for (line, handler) in scheduledHandlers(in: source) where !instance.functions.contains(handler) {
                problems.append(CheckProblem(file: file, line: line,
                                             message: "crm.schedule names the handler '\(handler)', which the module does not define"))
            }
            for (call, permission) in permissionOfCall where !bundle.manifest.permissions.contains(permission) {
                if let line = firstLine(containing: call + "(", in: source) ?? firstLine(containing: call + " (", in: source) {
                    problems.append(CheckProblem(file: file, line: line,
                                                 message: "\(call) needs the permission \(permission.rawValue), which plugin.toml does not list"))
                }
            }
        }
        return problems
    }

    /// A load or run error as a problem: where Lua's message says (`lib/x.lua:3: ...`, relative to
    /// the plugin), or line 1 of the file the error names (`main.lua` when it names none).
    private static func problem(_ error: Error, folder: URL) -> CheckProblem {
        let (file, message) = (error as? PluginLoadError).map { ($0.file, $0.problem) }
            ?? (folder.appendingPathComponent("main.lua").path, String(describing: error))
        if let match = message.firstMatch(of: /^([^:\n]+):(\d+): (.*)$/) {
            return CheckProblem(file: folder.appendingPathComponent(String(match.1)).path, line: Int(match.2) ?? 1, message: String(match.3))
        }
        return CheckProblem(file: file, line: 1, message: message)
    }

    /// Handlers given to `crm.schedule` as string literals, with their lines.
    static func scheduledHandlers(in source: String) -> [(Int, String)] {
        let call = /crm\.schedule\s*\(\s*(?:\{[^{}]*\}|[^,(){}]|\([^()]*\))*,\s*["']([A-Za-z_][A-Za-z0-9_]*)["']/
        return source.matches(of: call).map { match in
            (source[..<match.range.lowerBound].filter { $0 == "\n" }.count + 1, String(match.1))
        }
    }

    private static func firstLine(containing text: String, in source: String) -> Int? {
        for (index, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let code = line.components(separatedBy: "--").first ?? ""   // not in comments
            if code.contains(text) { return index + 1 }
        }
        return nil
    }

    private static func keyLine(_ key: String, in path: String) -> Int {
        let name = key.split(separator: ".").last.map(String.init) ?? key
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 1 }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.trimmingCharacters(in: .whitespaces).hasPrefix(name) {
            return index + 1
        }
        return 1
    }

    /// Levenshtein distance, for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }

    /// The plugin folders under each path (a plugin, a tenant folder or a plugins root).
    public static func plugins(under paths: [URL]) throws -> [URL] { try PluginTestRun.plugins(under: paths) }
}
