import CRMCore
import CRMStore
import Foundation
import Testing

/// Runs the real `lantern` executable that SwiftPM built beside this test bundle.
struct LanternProcess {
    let status: Int32
    let stdout: String
    let stderr: String

    static let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lantern")

    static func run(_ arguments: [String], in directory: URL? = nil) throws -> LanternProcess {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return LanternProcess(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                              stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// A scratch folder, removed afterwards.
func withScratch(_ body: (URL) throws -> Void) throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lantern-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    try body(url)
}

@Suite("The lantern command line")
struct LanternCLITests {
    @Test("tenant create prints only the admin's token, which authenticates")
    func tenantCreate() throws {
        try withScratch { (dir) throws in
            let data = dir.appendingPathComponent("nested/data").path
            let result = try LanternProcess.run(["tenant", "create", "acme", "--admin", "boss", "--data", data])
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 2 && lines[1].isEmpty, "exactly one line: \(result.stdout)")
            let token = String(lines[0])
            #expect(token.count >= 32)
            #expect(token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            let folder = try DataFolder(path: data)
            #expect(try folder.catalogue.authenticate(token).map { "\($0.tenant)/\($0.login)" } == "acme/boss")
            let crm = try folder.tenant("acme")
            let roles = try crm.directory.roles(by: .user("boss"))
            #expect(roles.map(\.name) == ["admin"] && roles[0].scope == .all && roles[0].permissions == Set(Permission.allCases))
        }
    }

    @Test("the default data folder is ./lantern-data, created when missing")
    func defaultDataFolder() throws {
        try withScratch { (dir) throws in
            let result = try LanternProcess.run(["tenant", "create", "demo2", "--admin", "admin"], in: dir)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("lantern-data/tenants/demo2.sqlite").path))
        }
    }

    @Test("an existing or bad slug is refused with a message on stderr and a non-zero exit")
    func refusals() throws {
        try withScratch { (dir) throws in
            let data = dir.path
            #expect(try LanternProcess.run(["tenant", "create", "acme", "--admin", "boss", "--data", data]).status == 0)
            let again = try LanternProcess.run(["tenant", "create", "acme", "--admin", "boss", "--data", data])
            #expect(again.status != 0 && again.stdout.isEmpty)
            #expect(again.stderr == "lantern: tenant \"acme\" already exists\n")
            let bad = try LanternProcess.run(["tenant", "create", "Bad_Slug", "--admin", "boss", "--data", data])
            #expect(bad.status != 0 && bad.stdout.isEmpty)
            #expect(bad.stderr.contains("\"Bad_Slug\" is not a tenant slug"))
            let badLogin = try LanternProcess.run(["tenant", "create", "beta", "--admin", "có dấu", "--data", data])
            #expect(badLogin.status != 0 && badLogin.stderr.contains("invalid login"))
            let missing = try LanternProcess.run(["tenant", "create", "gamma", "--data", data])
            #expect(missing.status != 0 && missing.stderr.contains("--admin"))
            let list = try LanternProcess.run(["tenant", "list", "--data", data])
            #expect(list.stdout == "acme\tAsia/Ho_Chi_Minh\n")
        }
    }

    @Test("--help shows every command of the contract")
    func help() throws {
        let help = try LanternProcess.run(["--help"])
        #expect(help.status == 0)
        for command in ["serve", "plugin", "tenant", "import", "bench"] { #expect(help.stdout.contains(command), "\(command)") }
        let plugin = try LanternProcess.run(["plugin", "--help"])
        for command in ["test", "check", "new"] { #expect(plugin.stdout.contains(command), "\(command)") }
    }

    @Test("plugin test runs the example plugins' specs, writes JUnit, and fails on a missing folder with status 2")
    func pluginTest() throws {
        let plugins = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("plugins").path
        try withScratch { (dir) throws in
            let junit = dir.appendingPathComponent("specs.xml").path
            let result = try LanternProcess.run(["plugin", "test", plugins, "--junit", junit], in: dir)
            #expect(result.status == 0, "\(result.stdout)")
            #expect(result.stdout.hasSuffix(" passed, 0 failed\n"), "\(result.stdout)")
            #expect(result.stdout.contains("ok 1 - care-again "))
            #expect(FileManager.default.fileExists(atPath: junit))
            let missing = try LanternProcess.run(["plugin", "test", dir.appendingPathComponent("nowhere").path], in: dir)
            #expect(missing.status == 2)
            #expect(missing.stdout.contains("no such folder"))
        }
    }

    @Test("bench --json prints one JSON object with the measured keys and nothing else on stdout")
    func benchJSON() throws {
        try withScratch { (dir) throws in
            let result = try LanternProcess.run(["bench", "--quick", "--json", "--only", "runaway,reload"], in: dir)
            #expect(result.status == 0, "\(result.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            for key in ["runaway_stop_ms_p99", "runaway_stop_ms_median", "reload_ms", "reload_ms_max"] {
                #expect((object?[key] as? NSNumber)?.doubleValue ?? -1 >= 0, "\(key) in \(result.stdout)")
            }
            #expect(object?["quick"] as? Bool == true)
            #expect(object?["missed"] is [Any])
            #expect(result.stderr.contains("measuring runaway"))
        }
    }

    @Test("bench refuses an unknown measurement and a missing plugins folder, saying which")
    func benchRefusals() throws {
        try withScratch { (dir) throws in
            let unknown = try LanternProcess.run(["bench", "--quick", "--only", "dispatch,teleport"], in: dir)
            #expect(unknown.status == 1)
            #expect(unknown.stderr.contains("unknown measurement 'teleport'"), "\(unknown.stderr)")
            let missing = try LanternProcess.run(["bench", "--quick", "--only", "memory", "--plugins", dir.appendingPathComponent("nowhere").path], in: dir)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("memory: example plugin mark-buyer not found"), "\(missing.stderr)")
        }
    }

    @Test("the demo creates the demo tenant once and prints every demo user's token")
    func demo() throws {
        try withScratch { (dir) throws in
            let first = try LanternProcess.run(["demo", "--data", dir.path])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("Created tenant \"demo\""))
            for login in ["admin", "leader", "an", "binh", "automation"] { #expect(first.stdout.contains("  \(login) "), "\(login)") }
            #expect(first.stdout.contains("an creating a relationship: permission denied: settings.manage"))
            let second = try LanternProcess.run(["demo", "--data", dir.path])
            #expect(second.status == 0 && second.stdout.contains("exists"))
            let crm = try DataFolder(path: dir.path).tenant("demo")
            let admin = Identity.user("admin")
            #expect(try crm.relationships.list(by: admin).map(\.name) == DemoTenant.relationships)
            let customers = try crm.customers.find(CustomerQuery(orderBy: .id, limit: 1000), by: admin)
            #expect(customers.count == 36, "seeded once")
            let bought = customers.filter { $0.relationship == "Đã mua hàng" }
            #expect(bought.count == 8)
            #expect(bought.allSatisfy { $0.lastOrderAt != nil }, "only customers who bought are marked Đã mua hàng")
        }
    }
}
