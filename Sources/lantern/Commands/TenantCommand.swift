import ArgumentParser
import CRMStore

/// `lantern tenant ...`: managing tenants (customer companies).
struct TenantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Create and list tenants (one per customer company).",
        subcommands: [Create.self, List.self]
    )

    /// `lantern tenant create <slug> --admin <login>`.
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a tenant with its admin user, and print the admin's API token.",
            discussion: """
                Creates the tenant's database, a role `admin` with every permission and scope `all`, \
                the admin user, and the relationships "Mới", "Đã liên hệ" and "Chốt". The only line \
                printed on standard output is the admin's API token; keep it, it is stored only as a digest.
                """
        )

        @Argument(help: "The tenant's slug: [a-z0-9][a-z0-9-]*.")
        var slug: String

        @Option(help: ArgumentHelp("The login of the tenant's first user, its admin.", valueName: "login"))
        var admin: String

        @Option(help: ArgumentHelp("The tenant's time zone (IANA name).", valueName: "zone"))
        var timeZone: String = "Asia/Ho_Chi_Minh"

        @OptionGroup var data: DataOptions

        func run() throws {
            try reportingErrors {
                let folder = try DataFolder(path: data.data)
                let created = try folder.createTenant(slug, adminLogin: admin, timeZone: timeZone)
                print(created.token)
            }
        }
    }

    /// `lantern tenant list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tenants of the data folder.")

        @OptionGroup var data: DataOptions

        func run() throws {
            try reportingErrors {
                for tenant in try DataFolder(path: data.data).catalogue.tenants() {
                    print("\(tenant.slug)\t\(tenant.timeZone)")
                }
            }
        }
    }
}
