import CRMCore

extension DomainEvent.Kind {
    /// The hook that receives this event (plugin-api.md section 3): `on_` and the event's name,
    /// spelled out so that a delivery builds no string.
    var hookName: String {
        switch self {
        case .customerCreated: "on_customer_created"
        case .customerUpdated: "on_customer_updated"
        case .relationshipChanged: "on_relationship_changed"
        case .pointsChanged: "on_points_changed"
        case .customerReferred: "on_customer_referred"
        case .orderCreated: "on_order_created"
        }
    }

    /// A stable number for the kind from 1 (its place in the contract's list), for seeds and tables.
    var ordinal: Int64 {
        switch self {
        case .customerCreated: 1
        case .customerUpdated: 2
        case .relationshipChanged: 3
        case .pointsChanged: 4
        case .customerReferred: 5
        case .orderCreated: 6
        }
    }
}
