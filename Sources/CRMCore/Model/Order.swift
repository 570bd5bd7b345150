/// Whether an order sells to the customer or buys from them (the customer is then a supplier).
public enum OrderKind: String, Sendable, Codable, CaseIterable { case sale, purchase }

/// An order's state. Cancelled orders count toward no revenue.
public enum OrderStatus: String, Sendable, Codable, CaseIterable { case new, approved, completed, cancelled }

/// One line of an order: free-text product (a SKU or a name), quantity and unit price.
public struct OrderLine: Sendable, Equatable, Codable {
    public var product: String
    public var quantity: Double
    public var price: Int64

    public init(product: String, quantity: Double, price: Int64) {
        self.product = product
        self.quantity = quantity
        self.price = price
    }
}

/// An order snapshot (plugin-api.md section 3): `customer` is the customer's id and
/// `createdBy` the login (or `plugin:<name>`) that created it. Money is in whole currency units.
public struct Order: Sendable, Equatable, Codable {
    public var id: Int64
    public var code: String
    public var kind: OrderKind
    public var customer: Int64
    public var total: Int64
    public var status: OrderStatus
    public var lines: [OrderLine]
    public var createdBy: String
    public var createdAt: Int64

    public init(id: Int64, code: String, kind: OrderKind, customer: Int64, total: Int64, status: OrderStatus,
                lines: [OrderLine], createdBy: String, createdAt: Int64) {
        self.id = id
        self.code = code
        self.kind = kind
        self.customer = customer
        self.total = total
        self.status = status
        self.lines = lines
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    /// The snapshot as plain values keyed by the contract's field names.
    public var snapshot: [String: SnapshotValue] {
        [
            "id": .integer(id), "code": .string(code), "kind": .string(kind.rawValue),
            "customer": .integer(customer), "total": .integer(total), "status": .string(status.rawValue),
            "lines": .array(lines.map { line in
                let quantity: SnapshotValue = line.quantity.rounded() == line.quantity && abs(line.quantity) < 1e15
                    ? .integer(Int64(line.quantity)) : .double(line.quantity)
                return .object(["product": .string(line.product), "quantity": quantity, "price": .integer(line.price)])
            }),
            "created_by": .string(createdBy), "created_at": .integer(createdAt),
        ]
    }
}

/// Sale revenue of one customer in one calendar year (in the tenant's time zone).
public struct YearRevenue: Sendable, Equatable, Codable {
    public var year: Int
    public var total: Int64
    public var orders: Int

    public init(year: Int, total: Int64, orders: Int) {
        self.year = year
        self.total = total
        self.orders = orders
    }
}
