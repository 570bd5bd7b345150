import ArgumentParser
import CRMCore
import CRMStore
import Foundation

/// `lantern demo`: sets up the demo tenant and shows the CRM at work from the command line,
/// until `lantern serve --demo` can serve it over HTTP.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create (once) the demo tenant and take a tour of it.",
        discussion: "Prints each demo user's API token, then what each role sees and the sales pipeline.")

    @OptionGroup var data: DataOptions

    func run() throws {
        try reportingErrors {
            let seeded = try DemoTenant.seed(in: try DataFolder(path: data.data))
            let crm = seeded.crm
            print(seeded.created ? "Created tenant \"demo\" in \(data.data)." : "Tenant \"demo\" exists in \(data.data); new tokens issued.")
            print("\nAPI tokens (stored only as digests; these are new):")
            print(DemoTour.tokenLines(seeded.tokens), terminator: "")

            let admin = Identity.user("admin", source: .cli)
            let everyone = try crm.customers.find(CustomerQuery(orderBy: .id, limit: 1000), by: admin)
            print("\nSales pipeline (mối quan hệ), \(everyone.count) customers:")
            for relationship in try crm.relationships.list(by: admin) {
                let count = everyone.filter { $0.relationship == relationship.name }.count
                print("  \(relationship.position). \(relationship.name) \(relationship.color)  \(count)")
            }

            print("\nWhat each role reaches (role scope + ownership, viewers and shares):")
            for user in DemoTenant.users where user.login != "automation" {
                let visible = try crm.customers.find(CustomerQuery(orderBy: .id, limit: 1000), by: .user(user.login, source: .cli))
                print("  \(user.login) (\(user.role)): \(visible.count) customers")
            }
            let denied = Result { try crm.relationships.create(name: "Thử", by: .user("an", source: .cli)) }
            if case .failure(let error) = denied { print("  an creating a relationship: \(error)") }

            if let top = everyone.first(where: { (try? crm.customers.referrals(of: $0.id, by: admin).isEmpty) == false }) {
                print("\nReferral tree of \(top.code) \(top.name):")
                for node in try crm.customers.referrals(of: top.id, by: admin) { printNode(node) }
                print("\nRevenue of \(top.code) by year:")
                for year in try crm.orders.revenueByYear(customer: top.id, by: admin) {
                    print("  \(year.year): \(year.total) VND in \(year.orders) order(s)")
                }
            }
            print("\nNext: `lantern tenant create <slug> --admin <login>` makes your own tenant.")
        }
    }

    private func printNode(_ node: ReferralNode) {
        let indent = String(repeating: "  ", count: node.depth)
        print("\(indent)- \(node.code) \(node.name) [\(node.relationship)] revenue \(node.revenue) VND")
        for child in node.referred { printNode(child) }
    }
}
