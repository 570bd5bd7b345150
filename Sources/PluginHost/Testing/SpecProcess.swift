import CRMCore
import Foundation

/// One spec file run in a child process of its own, so that a spec that crashes the Lua VM (a
/// signal such as SIGSEGV or SIGABRT) costs that file alone: the parent reports it as crashed and
/// goes on with the next file. The child is the same `lantern` executable, started as
/// `lantern plugin test --run-spec FILE --spec-plugin FOLDER [--filter PATTERN]`; it writes what
/// happens as JSON lines on its standard output, which the parent reads as they come.
public enum SpecProcess {
    /// One line of the child's report.
    struct Event: Codable {
        /// A line the spec printed (without the leading "# ").
        var print: String?
        /// A finished test.
        var result: Result?
        /// Why the file could not be loaded.
        var loadError: String?

        struct Result: Codable {
            var name: String
            var outcome: String        // "passed", "failed" or "pending"
            var message: String?
            var seconds: Double
        }
    }

    /// What the parent learnt from one child.
    struct Report {
        var results: [SpecResult] = []
        var loadError: String?
        /// The signal that ended the child, when it crashed.
        var crashSignal: Int32?
    }

    // MARK: The child

    /// Runs `file` of `plugin` here and writes its events to standard output; returns the exit
    /// status (0 whatever the tests' outcomes: the parent counts them).
    public static func runChild(file: URL, plugin: URL, filter: String?, makeStore: @escaping () throws -> any TenantStore) -> Int32 {
        let encoder = JSONEncoder()
        func emit(_ event: Event) {
            guard var line = try? encoder.encode(event) else { return }
            line.append(UInt8(ascii: "\n"))
            FileHandle.standardOutput.write(line)
        }
        let spec = SpecFile(file: file, plugin: plugin, filter: filter, makeStore: makeStore,
                            output: { line in emit(Event(print: line.hasPrefix("# ") ? String(line.dropFirst(2)) : line)) })
        do {
            // Each result as it comes: a crash later in the file loses none of the tests before it.
            _ = try spec.run { result in
                let (outcome, message): (String, String?) = switch result.outcome {
                case .passed: ("passed", nil)
                case .pending: ("pending", nil)
                case .failed(let message): ("failed", message)
                }
                emit(Event(result: .init(name: result.name, outcome: outcome, message: message, seconds: result.seconds)))
            }
            if let failure = spec.loadFailures.first { emit(Event(loadError: failure)) }
        } catch {
            emit(Event(loadError: String(describing: error)))
        }
        return 0
    }

    // MARK: The parent

    /// Runs `file` in a child `executable`, passing the spec's printed lines to `output` as they
    /// come; returns the results, or how the child ended when it did not finish.
    static func run(executable: URL, file: URL, plugin: URL, filter: String?, output: (String) -> Void) -> Report {
        let child = Process()
        child.executableURL = executable
        child.arguments = ["plugin", "test", "--run-spec", file.path, "--spec-plugin", plugin.path] + (filter.map { ["--filter", $0] } ?? [])
        // The signal's default action, not Swift's backtracer: a crashing spec is reported by its
        // signal in one line, and the backtracer would wait on a signal sent from outside.
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        child.environment = environment
        let pipe = Pipe()
        child.standardOutput = pipe
        var report = Report()
        do { try child.run() } catch {
            report.loadError = "cannot start \(executable.path) to run the spec: \(error.localizedDescription)"
            return report
        }
        let decoder = JSONDecoder()
        var pending = Data()
        func handle(_ line: Data) {
            guard !line.isEmpty else { return }
            guard let event = try? decoder.decode(Event.self, from: line) else {
                output("# " + String(decoding: line, as: UTF8.self))   // not ours: shown as printed
                return
            }
            if let text = event.print { output("# " + text) }
            if let loadError = event.loadError { report.loadError = report.loadError ?? loadError }
            if let result = event.result {
                let outcome: SpecResult.Outcome = switch result.outcome {
                case "passed": .passed
                case "pending": .pending
                default: .failed(result.message ?? "failed")
                }
                report.results.append(SpecResult(name: result.name, outcome: outcome, seconds: result.seconds))
            }
        }
        let reader = pipe.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                handle(pending[pending.startIndex..<newline])
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        handle(pending)
        child.waitUntilExit()
        if child.terminationReason == .uncaughtSignal {
            report.crashSignal = child.terminationStatus
        } else if child.terminationStatus != 0 && report.loadError == nil {
            report.loadError = "the spec's process exited with status \(child.terminationStatus)"
        }
        return report
    }
}
