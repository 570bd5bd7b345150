import ArgumentParser

// The subcommands of plugin-api.md section 9 that later issues build. Each is present with its
// full set of arguments, so `--help` shows the whole command line, and says plainly that it is
// not available yet. (`serve` and `import customers` have their own files now.)

/// Refuses to run a command that is not built yet.
private func notAvailable(_ command: String) -> ExitCode {
    fail("`lantern \(command)` is not available yet in this version of Lantern")
}

/// `lantern bench`.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure speed and memory against their floors (not available yet).")
    @Flag(help: "A short run, for CI.") var quick = false
    @Flag(help: "Print one JSON object.") var json = false
    func run() throws { throw notAvailable("bench") }
}

