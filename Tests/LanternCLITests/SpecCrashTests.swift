import Foundation
import Testing

/// `lantern plugin test` runs each spec file in a child process: a file whose process dies by a
/// signal is reported as crashed, and the files after it still run, with the summary and exit
/// status right. The crash here is a real signal sent to the real child while its spec runs.
@Suite("plugin test survives a crashing spec", .serialized)
struct SpecCrashTests {
    static let manifest = """
        name = "crashy"
        version = "1.0.0"
        run_as = "automation"
        permissions = []
        """

    /// The child processes of `pid` (Linux lists them per thread that started them).
    static func children(of pid: Int32) -> [Int32] {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return threads.flatMap { thread in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/children", encoding: .utf8)) ?? ""
            return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    /// User and system CPU time of `pid`, in clock ticks (fields 14 and 15 of /proc/PID/stat).
    static func cpuTicks(of pid: Int32) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { return 0 }
        return user + system
    }

    static func commandLine(of pid: Int32) -> String {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    @Test("a spec file killed by a signal is reported as crashed; the others still run", arguments: [SIGSEGV, SIGABRT])
    func crashedFileIsReported(_ signal: Int32) throws {
        try withScratch { dir in
            let plugin = dir.appendingPathComponent("t/crashy")
            let spec = plugin.appendingPathComponent("spec")
            try FileManager.default.createDirectory(at: spec, withIntermediateDirectories: true)
            try Self.manifest.write(to: plugin.appendingPathComponent("plugin.toml"), atomically: true, encoding: .utf8)
            try "return {}".write(to: plugin.appendingPathComponent("main.lua"), atomically: true, encoding: .utf8)
            try """
                describe("first", function() it("passes", function() assert.equal(2, 1 + 1) end) end)
                describe("crashing", function()
                  it("spins until its process is killed", function()
                    local started = os.clock() while os.clock() - started < 8 do end
                  end)
                end)
                """.write(to: spec.appendingPathComponent("a_spec.lua"), atomically: true, encoding: .utf8)
            try """
                describe("after", function() it("still runs", function() assert.is_true(true) end) end)
                """.write(to: spec.appendingPathComponent("b_spec.lua"), atomically: true, encoding: .utf8)

            let process = Process()
            process.executableURL = LanternProcess.executable
            process.arguments = ["plugin", "test", plugin.path, "--junit", dir.appendingPathComponent("junit.xml").path]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            // Find the child running a_spec.lua, let it get into its loop, and kill it.
            var victim: Int32?
            let deadline = Date().addingTimeInterval(20)
            while victim == nil, Date() < deadline {
                victim = Self.children(of: process.processIdentifier).first { Self.commandLine(of: $0).contains("a_spec.lua") }
                if victim == nil { usleep(20_000) }
            }
            let child = try #require(victim, "no child process ran a_spec.lua")
            // Into the spinning test (the first test done): at least half a second of CPU used.
            while Self.cpuTicks(of: child) < 50, Date() < deadline { usleep(20_000) }
            kill(child, signal)
            let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()

            let lines = stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains("ok 1 - first passes"), "\(stdout)")
            #expect(lines.contains("not ok 2 - crashy/spec/a_spec.lua crashed (signal \(signal))"), "\(stdout)")
            #expect(lines.contains("ok 3 - after still runs"), "\(stdout)")
            #expect(lines.last == "2 passed, 1 failed", "\(stdout)")
            #expect(process.terminationStatus == 1)
            let junit = try String(contentsOf: dir.appendingPathComponent("junit.xml"), encoding: .utf8)
            #expect(junit.contains("crashed (signal \(signal))"))
        }
    }
}
