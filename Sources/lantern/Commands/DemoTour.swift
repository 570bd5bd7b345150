import CRMCore
import CRMStore
import Foundation

/// What `lantern serve --demo` prints once the server listens: each demo user's token and three
/// curl lines that show the demo plugins at work on a customer that has not bought yet.
struct DemoTour: Sendable {
    let tokens: [(login: String, token: String)]
    let created: Bool
    let dataPath: String
    let pluginsPath: String
    /// A customer of sales rep `an`, not yet "Đã mua hàng", for the curl lines.
    let customer: (id: Int64, code: String, name: String, relationship: String)?

    init(seeded: DemoTenant.Seeded, dataPath: String, pluginsPath: String) throws {
        tokens = seeded.tokens
        created = seeded.created
        self.dataPath = dataPath
        self.pluginsPath = pluginsPath
        let mine = try seeded.crm.customers.find(CustomerQuery(orderBy: .id, limit: 1000), by: .user("an", source: .cli))
        customer = mine.last { $0.relationship != "Đã mua hàng" }.map { ($0.id, $0.code, $0.name, $0.relationship) }
    }

    /// One `  login       token` line per user (the command-line tour prints the same).
    static func tokenLines(_ tokens: [(login: String, token: String)]) -> String {
        tokens.map { "  \($0.login.padding(toLength: 11, withPad: " ", startingAt: 0)) \($0.token)\n" }.joined()
    }

    func print(host: String, port: Int) {
        var out = ""
        out += created ? "Created the demo tenant in \(dataPath).\n" : "The demo tenant exists in \(dataPath); new tokens issued.\n"
        if !FileManager.default.fileExists(atPath: URL(fileURLWithPath: pluginsPath).appendingPathComponent(DemoTenant.slug).path) {
            out += "Note: \(pluginsPath)/\(DemoTenant.slug) is missing, so no demo plugin runs (start from the repository root).\n"
        }
        out += "\nAPI tokens (Authorization: Bearer <token>):\n"
        out += Self.tokenLines(tokens)
        let base = "http://\(host):\(port)/api/v1"
        if let customer, let an = tokens.first(where: { $0.login == "an" })?.token {
            let auth = "-H 'Authorization: Bearer \(an)'"
            out += """

                Try it (as sales rep "an"): \(customer.code) \(customer.name) is "\(customer.relationship)".
                1. Look at the customer:
                   curl -s \(auth) \(base)/customers/\(customer.id)
                2. Record a sale; the mark-buyer plugin moves the customer to "Đã mua hàng" and loyalty-points awards points:
                   curl -s -X POST \(auth) -H 'Content-Type: application/json' -d '{"customer": \(customer.id), "kind": "sale", "status": "completed", "lines": [{"product": "Gói phần mềm CRM", "quantity": 1, "price": 4500000}]}' \(base)/orders
                3. See what the plugins did (the customer's Automation tab):
                   curl -s \(auth) \(base)/customers/\(customer.id)/ledger

                """
        }
        out += "\nServing \(base) (Ctrl-C stops).\n"
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
