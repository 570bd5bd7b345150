import Foundation

/// A plugin as read from its folder: the validated manifest and the text of every Lua file.
/// Reading never runs anything; `PluginInstance` compiles and runs it.
public struct PluginBundle: Sendable {
    public let folder: URL
    public internal(set) var manifest: PluginManifest
    /// `main.lua`.
    public let main: String
    /// `lib/**/*.lua` by path relative to the folder (`lib/util.lua`).
    public let modules: [String: String]

    /// Files larger than this are refused: the parser runs in C, outside the time limit.
    static let maximumFileSize = 1 << 20

    /// Reads `folder`; throws `PluginLoadError` (or `ManifestError`) naming the file and problem.
    public static func read(from folder: URL, ceilings: PluginLimits = .ceilings) throws -> PluginBundle {
        let manifestURL = folder.appendingPathComponent("plugin.toml")
        let manifest = try PluginManifest.parse(try text(of: manifestURL), file: manifestURL.path, ceilings: ceilings)
        let main = try text(of: folder.appendingPathComponent("main.lua"))
        var modules: [String: String] = [:]
        let lib = folder.appendingPathComponent("lib")
        if let walker = FileManager.default.enumerator(at: lib, includingPropertiesForKeys: nil) {
            for case let file as URL in walker where file.pathExtension == "lua" {
                let relative = "lib/" + file.standardizedFileURL.path.dropFirst(lib.standardizedFileURL.path.count + 1)
                modules[relative] = try text(of: file)
            }
        }
        return PluginBundle(folder: folder, manifest: manifest, main: main, modules: modules)
    }

    public init(folder: URL, manifest: PluginManifest, main: String, modules: [String: String] = [:]) {
        self.folder = folder
        self.manifest = manifest
        self.main = main
        self.modules = modules
    }

    /// The text of `require(name)`'s module: `lib.util` is `lib/util.lua`, `lib.a.b` is `lib/a/b.lua`.
    func module(named name: String) -> (source: String, chunkName: String)? {
        guard name.hasPrefix("lib."), name.range(of: #"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$"#, options: .regularExpression) != nil else {
            return nil
        }
        let path = name.replacingOccurrences(of: ".", with: "/") + ".lua"
        return modules[path].map { ($0, path) }
    }

    private static func text(of file: URL) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw PluginLoadError(file: file.path, problem: "cannot be read (\((error as NSError).localizedDescription))")
        }
        guard data.count <= maximumFileSize else {
            throw PluginLoadError(file: file.path, problem: "is \(data.count) bytes, more than the \(maximumFileSize) allowed")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PluginLoadError(file: file.path, problem: "is not valid UTF-8")
        }
        return text
    }
}

/// A plugin that could not be loaded: the file (or plugin) and what is wrong with it.
public struct PluginLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
