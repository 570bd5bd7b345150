import ArgumentParser
import CRMStore
import Foundation
import PluginHost

extension PluginCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate manifests, compile every Lua file, run each main chunk, and look for mistakes.",
            discussion: "Each problem is printed as file:line: message; the exit status is 1 when there is any.")
        @Argument(help: "Plugin folders, tenant folders or plugins roots (default ./plugins).") var paths: [String] = []

        func run() throws {
            let plugins: [URL]
            do { plugins = try PluginCheck.plugins(under: PluginCommand.folders(paths)) } catch { throw fail("\(error)") }
            var problems = 0
            for plugin in plugins {
                let found = PluginCheck.check(plugin) { try SQLiteTenantStore.inMemory() }
                for problem in found { print(problem) }
                problems += found.count
            }
            print("\(plugins.count) plugins checked, \(problems) problem\(problems == 1 ? "" : "s")")
            if problems > 0 { throw ExitCode(1) }
        }
    }

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Scaffold a plugin: manifest, main.lua, a passing spec, .luarc.json.")
        @Argument(help: "The plugin to create, as <tenant>/<name>.") var name: String
        @Option(help: ArgumentHelp("The plugins root.", valueName: "DIR")) var plugins = "./plugins"

        func run() throws {
            let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { throw fail("plugin new: give the plugin as <tenant>/<name>, such as demo/welcome") }
            do {
                let files = try PluginScaffold.create(tenant: parts[0], name: parts[1], under: URL(fileURLWithPath: plugins))
                for file in files { print("created \(file.path)") }
                print("next: lantern plugin test \(plugins)/\(name)")
            } catch {
                throw fail("\(error)")
            }
        }
    }
}
