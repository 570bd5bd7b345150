import ArgumentParser

/// The `lantern` command: a CRM core whose companies extend it with sandboxed Lua plugins.
@main
struct Lantern: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lantern",
        abstract: "A CRM core that hosts sandboxed Lua 5.4 plugins per company.",
        discussion: """
            Data lives in one SQLite file per tenant (company) under the data folder \
            (./lantern-data by default), beside a small catalogue of tenants and API tokens.
            """,
        subcommands: [Serve.self, PluginCommand.self, TenantCommand.self, ImportCommand.self, Bench.self, Demo.self]
    )
}

/// The `--data DIR` option shared by every command that opens the databases.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The folder of the databases; created when missing.", valueName: "DIR"))
    var data: String = "./lantern-data"
}
