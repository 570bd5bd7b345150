import ArgumentParser
import CRMCore
import CRMStore
import CustomerImport
import Foundation
import PluginHost

/// `lantern import customers`: uploads a CSV or `.xlsx` file into a tenant with the upload rules.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import data into a tenant.", subcommands: [Customers.self])

    struct Customers: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import customers from CSV (UTF-8, with or without BOM) or Excel .xlsx (first sheet).",
            discussion: """
                Columns are found by header, in English (code, name, phone, email, relationship, owner, \
                source, points, referrer, viewers) or as Vietnamese CRMs export them ("Mã khách hàng", \
                "Tên khách hàng", "Số điện thoại", "Mối quan hệ", "Người phụ trách", ...); other columns \
                become custom fields. Rows whose code exists are skipped unless --override, which \
                overwrites only the columns the file has and fires no hooks. New customers fire \
                on_customer_created with source "import". Bad rows are reported by line and written nowhere; \
                the exit status is 1 when any row failed, 0 otherwise.
                """)

        @Argument(help: "A .csv or .xlsx file.") var file: String
        @Option(help: ArgumentHelp("The tenant to import into.", valueName: "slug")) var tenant: String
        @Flag(help: "Overwrite customers whose code already exists (no hooks fire).") var override = false
        @Option(help: ArgumentHelp("Owner of new customers when the file names none.", valueName: "LOGIN")) var owner: String?
        @Option(help: ArgumentHelp("The importing user (default: the tenant's first admin, made with the tenant).", valueName: "LOGIN"))
        var login: String?
        @Option(help: ArgumentHelp("The plugins folder whose <tenant> plugins run on the new customers.", valueName: "DIR"))
        var plugins = "./plugins"
        @OptionGroup var data: DataOptions

        func run() throws {
            try reportingErrors {
                let bytes: [UInt8]
                do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file))) } catch {
                    throw ImportFileError(file: file, problem: "cannot read the file (\(error.localizedDescription))")
                }
                let table = try ImportTable.read(bytes, fileName: file)
                let folder = try DataFolder(path: data.data)
                let crm = try folder.tenant(tenant)
                let host = loadPlugins(crm: crm)
                let bar = ProgressBar(total: table.rows.count)
                let importer = CustomerImporter(crm: crm, login: try login ?? founder(of: crm), override: override, defaultOwner: owner)
                let report = try importer.run(table, fileName: file) { done, total in bar.update(done, of: total) }
                bar.finish()
                withExtendedLifetime(host) {}
                for row in report.failed { print("\(file):\(row.line): \(row.reason)") }
                for row in report.skipped { print("\(file):\(row.line): skipped, \(row.reason)") }
                print("Imported \(table.rows.count) rows into \(tenant): \(report.summary).")
                if !report.failed.isEmpty { throw ExitCode(1) }   // scripts see that rows were left out
            }
        }

        /// The user the tenant was created with (the first user), who holds every permission.
        private func founder(of crm: CRM) throws -> String {
            guard let first = try crm.store.transaction({ tx in try tx.users().min { $0.id < $1.id } }) else {
                throw CRMError.ruleRefused("tenant \"\(tenant)\" has no user to import as")
            }
            return first.login
        }

        /// The tenant's plugins, so that new customers fire their `on_customer_created` as in the server.
        private func loadPlugins(crm: CRM) -> PluginHost? {
            let folder = URL(fileURLWithPath: plugins, isDirectory: true).appendingPathComponent(tenant, isDirectory: true)
            guard FileManager.default.fileExists(atPath: folder.path) else { return nil }
            let host = PluginHost(crm: crm, folder: folder)
            for status in host.loadAll() where status.error != nil {
                FileHandle.standardError.write(Data("lantern: plugin \(status.name) not loaded: \(status.error ?? "")\n".utf8))
            }
            return host
        }
    }
}
