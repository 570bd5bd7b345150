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

    /// The event's name as a literal, for the event table (`lua_pushstring` finds it in Lua's
    /// cache of C strings instead of hashing it on every delivery).
    var literalName: StaticString {
        switch self {
        case .customerCreated: "customer_created"
        case .customerUpdated: "customer_updated"
        case .relationshipChanged: "relationship_changed"
        case .pointsChanged: "points_changed"
        case .customerReferred: "customer_referred"
        case .orderCreated: "order_created"
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

extension ChangeSource {
    /// The source's name as a literal, for the event table (see `DomainEvent.Kind.literalName`).
    var literalName: StaticString {
        switch self {
        case .api: "api"
        case .cli: "cli"
        case .import: "import"
        case .plugin: "plugin"
        case .job: "job"
        }
    }
}
