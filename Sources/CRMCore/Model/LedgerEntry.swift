/// One plugin invocation in the ledger, the customer's "Automation" tab (plugin-api.md section 7).
///
/// It is listed once under the customer of its event and once under every other customer it
/// changed; `changes` holds what it changed on each (empty for a failed one: nothing survived).
public struct LedgerEntry: Sendable, Equatable, Codable {
    /// `"ok"` or `"error"`.
    public enum Status: String, Sendable, Codable {
        case ok, error
    }

    public var id: Int64
    public var at: Int64
    public var plugin: String
    public var version: String
    /// The hook (`on_customer_created`) or job handler name.
    public var hook: String
    public var status: Status
    public var error: String?
    public var durationMilliseconds: Double
    /// The customer of the event, if any.
    public var customer: Int64?
    /// What the invocation changed, per customer id, field by field.
    public var changes: [Int64: [String: FieldChange]]

    public init(id: Int64 = 0, at: Int64, plugin: String, version: String, hook: String, status: Status, error: String?,
                durationMilliseconds: Double, customer: Int64?, changes: [Int64: [String: FieldChange]]) {
        self.id = id
        self.at = at
        self.plugin = plugin
        self.version = version
        self.hook = hook
        self.status = status
        self.error = error
        self.durationMilliseconds = durationMilliseconds
        self.customer = customer
        self.changes = changes
    }

    /// The customers it is listed under: the event's, then every one it changed.
    public var customers: [Int64] {
        var listed = customer.map { [$0] } ?? []
        for id in changes.keys.sorted() where id != customer { listed.append(id) }
        return listed
    }
}
