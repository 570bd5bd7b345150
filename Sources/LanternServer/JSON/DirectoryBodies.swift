import CRMCore

/// `POST /relationships`.
struct NewRelationshipBody: RequestBody {
    static let fields: Set<String> = ["name", "color", "description"]
    let name: String
    let color: String?
    let description: String?
}

/// `PATCH /relationships/{id}`.
struct RelationshipPatchBody: RequestBody {
    static let fields: Set<String> = ["name", "color", "description"]
    let name: String?
    let color: String?
    let description: Patch<String>

    enum CodingKeys: String, CodingKey { case name, color, description }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        color = try c.decodeIfPresent(String.self, forKey: .color)
        description = try c.decodePatch(String.self, forKey: .description)
    }
}

/// `POST /relationships/{id}/move`.
struct MoveBody: RequestBody {
    static let fields: Set<String> = ["position"]
    let position: Int
}

/// `POST /orders`.
struct NewOrderBody: RequestBody {
    static let fields: Set<String> = ["code", "kind", "customer", "lines", "total", "status"]
    struct Line: Decodable, Sendable {
        let product: String
        let quantity: Double
        let price: Int64
    }
    let code: String?
    let kind: OrderKind?
    let customer: Int64
    let lines: [Line]?
    let total: Int64?
    let status: OrderStatus?

    var input: NewOrder {
        NewOrder(code: code, kind: kind ?? .sale, customer: customer,
                 lines: (lines ?? []).map { OrderLine(product: $0.product, quantity: $0.quantity, price: $0.price) },
                 total: total, status: status ?? .new)
    }
}

/// `POST /users`.
struct NewUserBody: RequestBody {
    static let fields: Set<String> = ["login", "name", "department", "role"]
    let login: String
    let name: String?
    let department: String?
    let role: String
}

/// `POST /roles`.
struct NewRoleBody: RequestBody {
    static let fields: Set<String> = ["name", "permissions", "scope"]
    let name: String
    let permissions: [Permission]
    let scope: Scope
}

/// `POST /departments`.
struct NewDepartmentBody: RequestBody {
    static let fields: Set<String> = ["name", "parent"]
    let name: String
    let parent: String?
}
