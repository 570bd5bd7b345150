/// Relationships (mối quan hệ): the ordered, colored stages of the sales process, with the seed
/// CRMs' rules. Listing needs no permission; every change needs `settings.manage`.
///
/// The first relationship (position 1) is where customers without one go; it can be renamed and
/// moved, never deleted. A relationship still held by any customer, soft-deleted ones included,
/// cannot be deleted.
public struct RelationshipService: Sendable {
    let crm: CRM

    /// The default color of a new relationship.
    public static let defaultColor = "#9E9E9E"

    /// The active relationships in order; with `deleted`, the soft-deleted ones (needs `settings.manage`).
    public func list(deleted: Bool = false, by identity: Identity) throws -> [Relationship] {
        try crm.perform(identity) { op in
            if deleted { try op.principal.require(.settingsManage) }
            return try op.tx.relationships(deleted: deleted)
        }
    }

    /// Adds a relationship at the end of the order.
    @discardableResult
    public func create(name: String, color: String? = nil, description: String? = nil, by identity: Identity) throws -> Relationship {
        try crm.perform(identity) { op in
            try op.principal.require(.settingsManage)
            let uniqueName = try uniqueName(name, op)
            let active = try op.tx.relationships(deleted: false)
            let relationship = try op.tx.insertRelationship(
                name: uniqueName, color: try color.map(TextRules.color) ?? Self.defaultColor,
                description: try TextRules.optional(description, field: "description", max: 500),
                position: active.count + 1)
            try op.audit("relationship.create", entity: "relationship", id: relationship.id, before: nil, after: Self.snapshot(relationship))
            return relationship
        }
    }

    /// Renames, recolors or redescribes a relationship; only the arguments given change.
    @discardableResult
    public func update(_ id: Int64, name: String? = nil, color: String? = nil, description: String?? = nil,
                       by identity: Identity) throws -> Relationship {
        try crm.perform(identity) { op in
            try op.principal.require(.settingsManage)
            let before = try active(id, op)
            var relationship = before
            if let name, TextRules.normalize(name) != before.name { relationship.name = try uniqueName(name, op) }
            if let color { relationship.color = try TextRules.color(color) }
            if let description { relationship.description = try TextRules.optional(description, field: "description", max: 500) }
            guard relationship != before else { return before }
            try op.tx.updateRelationship(relationship)
            try op.audit("relationship.update", entity: "relationship", id: id,
                         before: Self.snapshot(before), after: Self.snapshot(relationship))
            return relationship
        }
    }

    /// Moves a relationship to `position` (1-based); the others keep their relative order.
    /// Returns the new order.
    @discardableResult
    public func move(_ id: Int64, to position: Int, by identity: Identity) throws -> [Relationship] {
        try crm.perform(identity) { op in
            try op.principal.require(.settingsManage)
            var order = try op.tx.relationships(deleted: false)
            guard let from = order.firstIndex(where: { $0.id == id }) else {
                throw CRMError.notFound(entity: "relationship", key: "\(id)")
            }
            guard (1...order.count).contains(position) else {
                throw CRMError.invalid(field: "position", reason: "must be between 1 and \(order.count) (got \(position))")
            }
            let moved = order.remove(at: from)
            order.insert(moved, at: position - 1)
            try renumber(&order, op)
            try op.audit("relationship.move", entity: "relationship", id: id,
                         before: ["position": .integer(Int64(from + 1))], after: ["position": .integer(Int64(position))])
            return order
        }
    }

    /// Soft-deletes a relationship. Refused for the first one and while any customer
    /// (soft-deleted ones included) still has it.
    public func delete(_ id: Int64, by identity: Identity) throws {
        try crm.perform(identity) { op in
            try op.principal.require(.settingsManage)
            var order = try op.tx.relationships(deleted: false)
            let relationship = try active(id, op)
            if relationship.id == order.first?.id {
                throw CRMError.ruleRefused("relationship \"\(relationship.name)\" is the first relationship and cannot be deleted; rename or move it instead")
            }
            let users = try op.tx.customerCount(relationshipId: id)
            guard users == 0 else {
                throw CRMError.ruleRefused("relationship \"\(relationship.name)\" is still used by \(users) customer(s), deleted ones included; move them first")
            }
            var deleted = relationship
            deleted.deletedAt = op.now
            deleted.position = 0
            try op.tx.updateRelationship(deleted)
            order.removeAll { $0.id == id }
            try renumber(&order, op)
            try op.audit("relationship.delete", entity: "relationship", id: id, before: Self.snapshot(relationship), after: nil)
        }
    }

    /// Restores a soft-deleted relationship at the end of the order. Refused when an active
    /// relationship has taken its name meanwhile.
    @discardableResult
    public func restore(_ id: Int64, by identity: Identity) throws -> Relationship {
        try crm.perform(identity) { op in
            try op.principal.require(.settingsManage)
            guard var relationship = try op.tx.relationship(id: id), relationship.deletedAt != nil else {
                throw CRMError.notFound(entity: "deleted relationship", key: "\(id)")
            }
            let active = try op.tx.relationships(deleted: false)
            if active.contains(where: { $0.name == relationship.name }) {
                throw CRMError.conflict("a relationship named \"\(relationship.name)\" already exists; rename it before restoring")
            }
            relationship.deletedAt = nil
            relationship.position = active.count + 1
            try op.tx.updateRelationship(relationship)
            try op.audit("relationship.restore", entity: "relationship", id: id, before: nil, after: Self.snapshot(relationship))
            return relationship
        }
    }

    // MARK: - Helpers

    private func active(_ id: Int64, _ op: Operation) throws -> Relationship {
        guard let relationship = try op.tx.relationship(id: id), relationship.deletedAt == nil else {
            throw CRMError.notFound(entity: "relationship", key: "\(id)")
        }
        return relationship
    }

    private func uniqueName(_ name: String, _ op: Operation) throws -> String {
        let value = try TextRules.required(name, field: "name", max: 100)
        if try op.tx.relationships(deleted: false).contains(where: { $0.name == value }) {
            throw CRMError.conflict("a relationship named \"\(value)\" already exists")
        }
        return value
    }

    private func renumber(_ order: inout [Relationship], _ op: Operation) throws {
        for index in order.indices where order[index].position != index + 1 {
            order[index].position = index + 1
            try op.tx.updateRelationship(order[index])
        }
    }

    static func snapshot(_ relationship: Relationship) -> [String: SnapshotValue] {
        var result: [String: SnapshotValue] = [
            "id": .integer(relationship.id), "name": .string(relationship.name),
            "color": .string(relationship.color), "position": .integer(Int64(relationship.position)),
        ]
        result["description"] = relationship.description.map(SnapshotValue.string)
        return result
    }
}
