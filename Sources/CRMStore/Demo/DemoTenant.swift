import CRMCore
import Foundation

/// The `demo` tenant: a small Vietnamese sales company with departments, roles, users, the
/// seed CRMs' relationships, a few dozen customers with referrals, and a year of orders.
/// Used by `lantern demo` now and by `lantern serve --demo` later.
public enum DemoTenant {
    public static let slug = "demo"

    /// The demo's users: login, name, department, role.
    public static let users: [(login: String, name: String, department: String?, role: String)] = [
        ("leader", "Trần Thu Hà", "Kinh doanh", "manager"),
        ("an", "Nguyễn Văn An", "Kinh doanh Hà Nội", "sales"),
        ("binh", "Lê Thị Bình", "Kinh doanh Hồ Chí Minh", "sales"),
        ("automation", "Automation", nil, "automation"),
    ]

    /// The relationships of the seed CRMs, in order.
    public static let relationships = ["Mới", "Đã liên hệ", "Báo giá", "Chốt", "Đã mua hàng", "Cần chăm sóc lại"]

    /// What seeding produced: the tenant's CRM and a fresh API token per user (admin included).
    public struct Seeded {
        public let crm: CRM
        public let tokens: [(login: String, token: String)]
        /// False when the tenant already existed and only new tokens were issued.
        public let created: Bool
    }

    /// Creates the demo tenant in `folder` once; on later calls only issues fresh tokens.
    public static func seed(in folder: DataFolder) throws -> Seeded {
        let now = SystemClock().now()
        if try folder.catalogue.tenant(slug) != nil {
            let crm = try folder.tenant(slug)
            let tokens = try (["admin"] + users.map(\.login)).map {
                (login: $0, token: try folder.catalogue.issueToken(tenant: slug, login: $0, at: now))
            }
            return Seeded(crm: crm, tokens: tokens, created: false)
        }
        let (crm, adminToken) = try folder.createTenant(slug, adminLogin: "admin")
        try populate(crm)
        var tokens = [(login: "admin", token: adminToken)]
        for user in users {
            tokens.append((user.login, try folder.catalogue.issueToken(tenant: slug, login: user.login, at: now)))
        }
        return Seeded(crm: crm, tokens: tokens, created: true)
    }

    /// Fills an empty, bootstrapped tenant (admin user `admin`) with the demo's data. History is
    /// spread over the last 400 days through a clock of its own, so revenue spans two years.
    public static func populate(_ crm: CRM) throws {
        let admin = Identity.user("admin", source: .cli)
        let directory = crm.directory
        try directory.createDepartment(name: "Kinh doanh", by: admin)
        try directory.createDepartment(name: "Kinh doanh Hà Nội", parent: "Kinh doanh", by: admin)
        try directory.createDepartment(name: "Kinh doanh Hồ Chí Minh", parent: "Kinh doanh", by: admin)
        try directory.createRole(name: "manager", permissions: Set(Permission.allCases).subtracting([.settingsManage, .usersManage, .pluginsManage]),
                                 scope: .department, by: admin)
        try directory.createRole(name: "sales", permissions: [.customersRead, .customersCreate, .customersUpdate, .ordersRead, .ordersCreate],
                                 scope: .own, by: admin)
        try directory.createRole(name: "automation", permissions: [.customersRead, .customersUpdate, .customersAssign, .customersShare, .ordersRead],
                                 scope: .all, by: admin)
        for user in users {
            try directory.createUser(login: user.login, name: user.name, department: user.department, role: user.role, by: admin)
        }
        try crm.relationships.create(name: "Báo giá", color: "#FFB300", description: "Đã gửi báo giá", by: admin)
        if let quote = try crm.relationships.list(by: admin).first(where: { $0.name == "Báo giá" }) {
            try crm.relationships.move(quote.id, to: 3, by: admin)
        }
        try crm.relationships.create(name: "Đã mua hàng", color: "#43A047", description: "Khách đã mua", by: admin)
        try crm.relationships.create(name: "Cần chăm sóc lại", color: "#E53935", description: "Lâu chưa mua", by: admin)

        let start = SystemClock().now() - 400 * 86_400
        let clock = ManualClock(start: start)
        let history = CRM(store: crm.store, clock: clock, timeZone: crm.timeZone)
        let families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
        let given = ["Gia Khương", "Minh Anh", "Thảo Vy", "Quốc Bảo", "Ngọc Lan", "Đức Huy", "Thanh Tâm", "Hải Yến"]
        let sources = ["Facebook", "Website", "Giới thiệu", "Hội chợ"]
        var created: [Customer] = []
        var buyers: [Int64] = []
        for index in 0..<36 {
            clock.advance(by: 10 * 86_400 + Int64(index) * 3_600)
            let owner = ["an", "binh", "leader"][index % 3]
            let referrer = index >= 6 && index % 4 == 0 ? created[index / 4].id : nil
            let customer = try history.customers.create(NewCustomer(
                name: "\(families[index % families.count]) \(given[index % given.count])",
                phone: "09\(String(format: "%08d", 12_345_678 + index * 7_919))",
                email: index % 5 == 0 ? nil : "khach\(index + 1)@example.vn",
                relationship: relationships[index % 4], owner: .user(owner), referrer: referrer,
                points: Int64(index % 7) * 10, source: sources[index % sources.count],
                fields: ["tinh_thanh": .string(index % 2 == 0 ? "Hà Nội" : "TP. Hồ Chí Minh"), "vip": .bool(index % 9 == 0)]),
                by: admin)
            created.append(customer)
            if index % 3 != 1 {
                try history.orders.create(NewOrder(kind: .sale, customer: customer.id, lines: [
                    OrderLine(product: "Gói phần mềm CRM", quantity: 1, price: 4_500_000),
                    OrderLine(product: "Đào tạo (giờ)", quantity: Double(index % 4 + 1), price: 500_000),
                ], status: .completed), by: admin)
                buyers.append(customer.id)
            }
        }
        // The oldest buyers have moved on to "Đã mua hàng" (a bulk change, as staff would do it).
        try crm.customers.bulkSetRelationship(Array(buyers.prefix(8)), to: "Đã mua hàng", by: admin)
    }
}
