/// Something that happened to the CRM's data, published inside the transaction that made it,
/// so subscribers (the plugin host) can react in the same transaction.
public struct DomainEvent: Sendable {
    /// The event's name, as a hook is named without `on_`.
    public enum Kind: String, Sendable, CaseIterable {
        case customerCreated = "customer_created"
        case customerUpdated = "customer_updated"
        case relationshipChanged = "relationship_changed"
        case pointsChanged = "points_changed"
        case customerReferred = "customer_referred"
        case orderCreated = "order_created"
    }

    public let kind: Kind
    /// Who caused it.
    public let actor: Identity
    /// When it happened (epoch seconds).
    public let at: Int64
    /// The customer after the change.
    public let customer: Customer
    /// The customer before the change (`customer_updated`, `relationship_changed`, `points_changed`).
    public let before: Customer?
    /// The changed fields (`customer_updated`); for `relationship_changed` and `points_changed`
    /// the one field concerned.
    public let changes: [String: FieldChange]
    /// The referring customer (`customer_referred`).
    public let referrer: Customer?
    /// The new order (`order_created`).
    public let order: Order?

    public init(kind: Kind, actor: Identity, at: Int64, customer: Customer, before: Customer? = nil,
                changes: [String: FieldChange] = [:], referrer: Customer? = nil, order: Order? = nil) {
        self.kind = kind
        self.actor = actor
        self.at = at
        self.customer = customer
        self.before = before
        self.changes = changes
        self.referrer = referrer
        self.order = order
    }

    /// `from` of a relationship or points change: the old relationship name or point count.
    public var from: SnapshotValue? {
        switch kind {
        case .relationshipChanged: return changes["relationship"]?.from
        case .pointsChanged: return changes["points"]?.from
        default: return nil
        }
    }

    /// `to` of a relationship or points change.
    public var to: SnapshotValue? {
        switch kind {
        case .relationshipChanged: return changes["relationship"]?.to
        case .pointsChanged: return changes["points"]?.to
        default: return nil
        }
    }
}
