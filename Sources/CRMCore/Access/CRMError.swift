/// Every way a CRM operation can be refused. Messages say what was wrong and where;
/// a refused operation writes nothing.
public enum CRMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The actor lacks `permission`, or may read the record but not change it.
    case permissionDenied(Permission)
    /// The record does not exist, is deleted, or the actor may not see it (all look the same).
    case notFound(entity: String, key: String)
    /// A value is malformed: empty or over-long, of the wrong type, unknown.
    case invalid(field: String, reason: String)
    /// The change clashes with an existing record, such as a duplicate code or name.
    case conflict(String)
    /// A business rule refuses the change, such as deleting a relationship still in use.
    case ruleRefused(String)

    public var description: String {
        switch self {
        case .permissionDenied(let permission): return "permission denied: \(permission.rawValue)"
        case .notFound(let entity, let key): return "\(entity) \(key) not found"
        case .invalid(let field, let reason): return "invalid \(field): \(reason)"
        case .conflict(let message): return message
        case .ruleRefused(let message): return message
        }
    }
}
