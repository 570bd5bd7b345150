import Foundation

/// The fields of an order to create.
public struct NewOrder: Sendable {
    /// A unique code; generated as `DH000123` when nil.
    public var code: String?
    public var kind: OrderKind
    public var customer: Int64
    public var lines: [OrderLine]
    /// The total; the sum of the lines (rounded) when nil. Given explicitly it may differ (discounts).
    public var total: Int64?
    public var status: OrderStatus

    public init(code: String? = nil, kind: OrderKind = .sale, customer: Int64, lines: [OrderLine] = [],
                total: Int64? = nil, status: OrderStatus = .new) {
        self.code = code
        self.kind = kind
        self.customer = customer
        self.lines = lines
        self.total = total
        self.status = status
    }
}

/// Orders: sales to customers and purchases from them. An order is visible to whoever may read
/// its customer and holds `orders.read`.
public struct OrderService: Sendable {
    let crm: CRM

    /// Creates an order for a customer the identity may read. Needs `orders.create`.
    /// A sale sets the customer's `last_order_at`. Fires `order_created`.
    @discardableResult
    public func create(_ input: NewOrder, by identity: Identity) throws -> Order {
        try crm.perform(identity) { op in
            try op.principal.require(.ordersCreate)
            var customerRow = try op.readableCustomer(input.customer)
            let lines = try input.lines.enumerated().map { index, line in try Self.validated(line, index: index) }
            let computed = lines.reduce(0.0) { $0 + $1.quantity * Double($1.price) }
            guard computed.magnitude < 9e15 else { throw CRMError.invalid(field: "lines", reason: "the total is too large") }
            let total = input.total ?? Int64(computed.rounded())
            guard total >= 0 else { throw CRMError.invalid(field: "total", reason: "must not be negative (got \(total))") }
            let code = try op.newCode(input.code, prefix: "DH", counter: "order_code", entity: "order") {
                try op.tx.orderId(code: $0) != nil
            }
            var order = Order(id: 0, code: code, kind: input.kind, customer: input.customer, total: total,
                              status: input.status, lines: lines, createdBy: op.identity.label, createdAt: op.now)
            order.id = try op.tx.insertOrder(order)
            if order.kind == .sale {
                customerRow.lastOrderAt = op.now
                try op.tx.updateCustomer(customerRow)
            }
            try op.audit("order.create", entity: "order", id: order.id, before: nil, after: order.snapshot)
            try op.publish(.orderCreated, customer: try op.snapshot(input.customer), order: order)
            return order
        }
    }

    /// The order with `id`, or nil when missing or its customer is out of reach. Needs `orders.read`.
    public func get(_ id: Int64, by identity: Identity) throws -> Order? {
        try crm.perform(identity) { op in
            try op.principal.require(.ordersRead)
            guard let order = try op.tx.order(id: id), let row = try op.tx.customerRow(id: order.customer),
                  row.deletedAt == nil, try op.principal.canRead(row, in: op.tx) else { return nil }
            return order
        }
    }

    /// The orders matching `query` whose customers the identity may read. Needs `orders.read`.
    public func find(_ query: OrderQuery = OrderQuery(), by identity: Identity) throws -> [Order] {
        try crm.perform(identity) { op in
            try op.principal.require(.ordersRead)
            var scoped = query
            scoped.visibility = op.principal.visibility
            scoped.limit = min(max(query.limit, 0), 1000)
            return try op.tx.findOrders(scoped)
        }
    }

    /// Sale revenue of one customer per calendar year in the tenant's time zone, oldest year first.
    /// Cancelled orders and purchases do not count. Needs `orders.read`.
    public func revenueByYear(customer id: Int64, by identity: Identity) throws -> [YearRevenue] {
        try crm.perform(identity) { op in
            try op.principal.require(.ordersRead)
            _ = try op.readableCustomer(id)
            let query = OrderQuery(conditions: [(.customer, .equals(.integer(id))), (.kind, .equals(.string("sale"))),
                                                (.status, .noneOf([.string("cancelled")]))],
                                   orderBy: .createdAt, limit: Int.max)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = crm.timeZone
            var byYear: [Int: YearRevenue] = [:]
            for order in try op.tx.findOrders(query) {
                let year = calendar.component(.year, from: Date(timeIntervalSince1970: TimeInterval(order.createdAt)))
                var revenue = byYear[year] ?? YearRevenue(year: year, total: 0, orders: 0)
                revenue.total += order.total
                revenue.orders += 1
                byYear[year] = revenue
            }
            return byYear.values.sorted { $0.year < $1.year }
        }
    }

    private static func validated(_ line: OrderLine, index: Int) throws -> OrderLine {
        let field = "lines[\(index + 1)]"
        let product = try TextRules.required(line.product, field: "\(field).product", max: 200)
        guard line.quantity.isFinite, line.quantity > 0 else {
            throw CRMError.invalid(field: "\(field).quantity", reason: "must be a positive number (got \(line.quantity))")
        }
        guard line.price >= 0 else {
            throw CRMError.invalid(field: "\(field).price", reason: "must not be negative (got \(line.price))")
        }
        return OrderLine(product: product, quantity: line.quantity, price: line.price)
    }
}
