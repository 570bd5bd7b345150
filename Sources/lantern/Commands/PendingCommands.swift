import ArgumentParser

// The subcommands of plugin-api.md section 9 that later issues build. Each is present with its
// full set of arguments, so `--help` shows the whole command line, and says plainly that it is
// not available yet.

/// Refuses to run a command that is not built yet.
private func notAvailable(_ command: String) -> ExitCode {
    fail("`lantern \(command)` is not available yet in this version of Lantern")
}

/// `lantern serve`.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API, the plugin host and the scheduler (not available yet).")

    @OptionGroup var data: DataOptions
    @Option(help: ArgumentHelp("The plugins folder, watched for changes.", valueName: "DIR")) var plugins = "./plugins"
    @Option(help: ArgumentHelp("The address to listen on.", valueName: "H")) var host = "127.0.0.1"
    @Option(help: ArgumentHelp("The port to listen on.", valueName: "P")) var port = 8080
    @Flag(help: "Create (once) and serve the demo tenant.") var demo = false

    func run() throws { throw notAvailable("serve") }
}

/// `lantern import customers`.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import data into a tenant (not available yet).", subcommands: [Customers.self])

    struct Customers: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import customers from CSV or .xlsx (not available yet).")
        @Argument(help: "A .csv or .xlsx file.") var file: String
        @Option(help: ArgumentHelp("The tenant to import into.", valueName: "slug")) var tenant: String
        @Flag(help: "Overwrite customers whose code already exists.") var override = false
        @Option(help: ArgumentHelp("Owner of new customers when the file names none.", valueName: "LOGIN")) var owner: String?
        @OptionGroup var data: DataOptions
        func run() throws { throw notAvailable("import customers") }
    }
}

/// `lantern bench`.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure speed and memory against their floors (not available yet).")
    @Flag(help: "A short run, for CI.") var quick = false
    @Flag(help: "Print one JSON object.") var json = false
    func run() throws { throw notAvailable("bench") }
}

