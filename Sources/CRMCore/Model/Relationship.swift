/// A relationship (mối quan hệ): an ordered, colored stage a customer moves through.
/// At the edges (API, plugins) relationships are referred to by name.
public struct Relationship: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    /// A `#RRGGBB` color.
    public var color: String
    public var description: String?
    /// 1-based place in the tenant's order; 0 while soft-deleted.
    public var position: Int
    /// When it was soft-deleted, or nil.
    public var deletedAt: Int64?

    public init(id: Int64, name: String, color: String, description: String?, position: Int, deletedAt: Int64?) {
        self.id = id
        self.name = name
        self.color = color
        self.description = description
        self.position = position
        self.deletedAt = deletedAt
    }
}
