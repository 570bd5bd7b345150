/// Which customers a query may return, derived from the actor's role scope.
public enum Visibility: Sendable, Equatable {
    /// Every customer.
    case all
    /// Customers the user owns, views or has been shared.
    case own(userId: Int64)
    /// `own`, plus customers owned by users of these departments (a department and its sub-departments).
    case department(userId: Int64, departmentIds: [Int64])
}

/// A scalar field of a customer snapshot that can be filtered and ordered on.
public enum CustomerField: String, Sendable, CaseIterable {
    case id, code, name, phone, email, relationship, owner, department, referrer, points, source
    case createdAt = "created_at", updatedAt = "updated_at", lastOrderAt = "last_order_at"
}

/// A scalar field of an order snapshot that can be filtered and ordered on.
public enum OrderField: String, Sendable, CaseIterable {
    case id, code, customer, kind, status, total
    case createdAt = "created_at"
}

/// One test on a field, as in plugin-api.md's filter language.
public enum Condition: Sendable, Equatable {
    case equals(SnapshotValue)
    case isNull
    case anyOf([SnapshotValue])
    case noneOf([SnapshotValue])
    case greaterOrEqual(SnapshotValue)
    case lessOrEqual(SnapshotValue)
}

/// A filtered, ordered and limited selection of records with field type `Field`.
public struct RecordQuery<Field: Sendable & Hashable>: Sendable {
    public var conditions: [(field: Field, condition: Condition)]
    public var orderBy: Field
    public var descending: Bool
    public var limit: Int
    public var offset: Int
    /// Filled in by the services from the actor's scope; callers need not set it.
    public var visibility: Visibility
    /// Whether to list soft-deleted records instead of active ones (customers only).
    public var deleted: Bool

    public init(conditions: [(field: Field, condition: Condition)] = [], orderBy: Field, descending: Bool = false,
                limit: Int = 100, offset: Int = 0, visibility: Visibility = .all, deleted: Bool = false) {
        self.conditions = conditions
        self.orderBy = orderBy
        self.descending = descending
        self.limit = limit
        self.offset = offset
        self.visibility = visibility
        self.deleted = deleted
    }
}

/// A selection of customers.
public typealias CustomerQuery = RecordQuery<CustomerField>
/// A selection of orders (visible through their customer).
public typealias OrderQuery = RecordQuery<OrderField>

extension RecordQuery where Field == CustomerField {
    /// Every active customer, by id, 100 at a time.
    public init() { self.init(orderBy: .id) }
}

extension RecordQuery where Field == OrderField {
    /// Every order, by id, 100 at a time.
    public init() { self.init(orderBy: .id) }
}
