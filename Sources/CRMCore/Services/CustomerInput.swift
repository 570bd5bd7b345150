/// Who owns a new customer.
public enum OwnerChoice: Sendable, Equatable {
    /// The acting user (the default, as in the seed CRMs).
    case creator
    /// Nobody: the customer waits in the shared pool.
    case nobody
    /// The user with this login (needs `customers.assign` unless it is the creator).
    case user(String)
}

/// The fields of a customer to create. Only `name` is required.
public struct NewCustomer: Sendable {
    /// A unique code; generated as `KH000123` when nil.
    public var code: String?
    public var name: String
    public var phone: String?
    public var email: String?
    /// A relationship name; the tenant's first relationship when nil.
    public var relationship: String?
    public var owner: OwnerChoice
    public var viewers: [String]
    public var sharedWith: [String]
    /// The id of the referring customer of the same tenant.
    public var referrer: Int64?
    public var points: Int64
    public var source: String?
    public var fields: [String: FieldValue]

    public init(code: String? = nil, name: String, phone: String? = nil, email: String? = nil,
                relationship: String? = nil, owner: OwnerChoice = .creator, viewers: [String] = [],
                sharedWith: [String] = [], referrer: Int64? = nil, points: Int64 = 0, source: String? = nil,
                fields: [String: FieldValue] = [:]) {
        self.code = code
        self.name = name
        self.phone = phone
        self.email = email
        self.relationship = relationship
        self.owner = owner
        self.viewers = viewers
        self.sharedWith = sharedWith
        self.referrer = referrer
        self.points = points
        self.source = source
        self.fields = fields
    }
}

/// A single edit of a customer: only the fields set here change. A doubly optional field set to
/// `.some(nil)` clears it. Custom fields are merged; a key mapped to nil removes that field.
public struct CustomerPatch: Sendable {
    public var name: String?
    public var phone: String??
    public var email: String??
    public var relationship: String?
    /// A login, or `.some(nil)` for nobody. Needs `customers.assign` as well.
    public var owner: String??
    public var points: Int64?
    public var referrer: Int64??
    public var source: String??
    public var fields: [String: FieldValue?]?

    public init(name: String? = nil, phone: String?? = nil, email: String?? = nil, relationship: String? = nil,
                owner: String?? = nil, points: Int64? = nil, referrer: Int64?? = nil, source: String?? = nil,
                fields: [String: FieldValue?]? = nil) {
        self.name = name
        self.phone = phone
        self.email = email
        self.relationship = relationship
        self.owner = owner
        self.points = points
        self.referrer = referrer
        self.source = source
        self.fields = fields
    }
}
