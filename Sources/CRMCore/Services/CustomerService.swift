/// Customers: create, read, edit, assign, share, soft delete and restore, bulk relationship
/// changes and referrals. Every method checks permission and scope for the acting identity.
public struct CustomerService: Sendable {
    let crm: CRM

    /// Creates a customer. Needs `customers.create`; naming another owner needs `customers.assign`,
    /// naming viewers or shares needs `customers.share`. Fires `customer_created` (and
    /// `customer_referred` when a referrer is given).
    ///
    /// Every refusal comes before the first write, so the call needs no savepoint of its own
    /// (`CRM.performCheckingFirst`): an import creates thousands in one transaction.
    @discardableResult
    public func create(_ input: NewCustomer, by identity: Identity) throws -> Customer {
        try crm.performCheckingFirst(identity) { op in
            try op.principal.require(.customersCreate)
            let owner: User?
            switch input.owner {
            case .creator: owner = op.principal.user
            case .nobody: owner = nil
            case .user(let login):
                let user = try op.user(login: login, field: "owner")
                if user.id != op.principal.user.id { try op.principal.require(.customersAssign) }
                owner = user
            }
            if !input.viewers.isEmpty || !input.sharedWith.isEmpty { try op.principal.require(.customersShare) }
            let isTaken = { (code: String) in try op.tx.customerId(code: code) != nil }
            let givenCode = try input.code.map { try op.checkedCode($0, entity: "customer", isTaken: isTaken) }
            let relationship = try input.relationship.map { try op.relationship(named: $0) } ?? op.firstRelationship()
            let referrer = try input.referrer.map { try op.readableCustomer($0) }
            let viewers = try users(input.viewers, field: "viewers", op)
            let sharedWith = try users(input.sharedWith, field: "shared_with", op)
            let name = try TextRules.required(input.name, field: "name", max: 200)
            let phone = try TextRules.phone(input.phone), email = try TextRules.email(input.email)
            let points = try Self.points(input.points)
            let source = try TextRules.optional(input.source, field: "source", max: 100)
            let fields = try CustomFields.validated(input.fields)
            let department = try owner?.departmentId.flatMap { try op.departmentName($0) }
            return try op.writing {
                let code = try givenCode ?? op.generatedCode(prefix: "KH", counter: "customer_code", isTaken: isTaken)
                var row = CustomerRow(
                    code: code, name: name, phone: phone, email: email, relationshipId: relationship.id, ownerId: owner?.id,
                    viewerIds: viewers.map(\.id), sharedWithIds: sharedWith.map(\.id), referrerId: referrer?.id,
                    points: points, source: source, createdAt: op.now, updatedAt: op.now, fields: fields)
                row.id = try op.tx.insertCustomer(row)
                // Everything the snapshot names is known here: no need to read the row back.
                let customer = Customer(
                    id: row.id, code: row.code, name: row.name, phone: row.phone, email: row.email,
                    relationship: relationship.name, owner: owner?.login, department: department,
                    viewers: Self.loginsInStoreOrder(viewers), sharedWith: Self.loginsInStoreOrder(sharedWith),
                    referrer: row.referrerId, points: row.points, source: row.source, createdAt: row.createdAt,
                    updatedAt: row.updatedAt, lastOrderAt: nil, fields: row.fields, deletedAt: nil)
                try op.audit("customer.create", customer: row.id, before: nil, after: customer)
                try op.publish(.customerCreated, customer: customer)
                if let referrer { try op.publish(.customerReferred, customer: customer, referrer: try op.snapshot(referrer.id)) }
                return customer
            }
        }
    }

    /// The customer with `id`, or nil when it is missing, deleted or out of reach. Needs `customers.read`.
    public func get(_ id: Int64, by identity: Identity) throws -> Customer? {
        try crm.performReading(identity) { op in
            try op.principal.require(.customersRead)
            guard let reach = try op.tx.customerReach(id: id, userId: op.principal.user.id), !reach.isDeleted,
                  try op.principal.canRead(reach, in: op.tx) else { return nil }
            return try op.tx.customer(id: id)
        }
    }

    /// Whether `get` would return the customer (active and within the identity's reach, with
    /// `customers.read`), decided from a snapshot taken in the running transaction, such as an
    /// event's, without reading it again: what a plugin host asks for every event it delivers.
    public func isReadable(_ customer: Customer, by identity: Identity) throws -> Bool {
        try crm.performReading(identity) { op in
            guard op.principal.permissions.contains(.customersRead), customer.deletedAt == nil else { return false }
            return try op.principal.canRead(customer, in: op.tx)
        }
    }

    /// The customers matching `query` that the identity may read. Needs `customers.read`.
    /// With `query.deleted` it lists the trash, which needs `customers.delete` as well.
    public func find(_ query: CustomerQuery = CustomerQuery(), by identity: Identity) throws -> [Customer] {
        try crm.perform(identity) { op in
            try op.principal.require(.customersRead)
            if query.deleted { try op.principal.require(.customersDelete) }
            var scoped = query
            scoped.visibility = op.principal.visibility
            scoped.limit = min(max(query.limit, 0), 1000)
            return try op.tx.findCustomers(scoped)
        }
    }

    /// Edits the fields `patch` sets. Needs `customers.update`, and `customers.assign` to change the owner.
    /// Fires `customer_updated` plus `relationship_changed`, `points_changed` and `customer_referred`
    /// when those fields changed; an edit that changes nothing fires nothing.
    @discardableResult
    public func update(_ id: Int64, _ patch: CustomerPatch, by identity: Identity) throws -> Customer {
        try crm.perform(identity) { op in
            try op.principal.require(.customersUpdate)
            if patch.owner != nil { try op.principal.require(.customersAssign) }
            return try edit(id, for: .customersUpdate, op) { row in try apply(patch, to: &row, op) }
        }
    }

    /// Overwrites the fields `patch` sets the way an upload with "override" does: needs
    /// `customers.update` (and `customers.assign` to change the owner), is audited as
    /// `customer.import_override`, and fires no events (plugin-api.md section 3).
    @discardableResult
    public func overwrite(_ id: Int64, _ patch: CustomerPatch, by identity: Identity) throws -> Customer {
        try crm.perform(identity) { op in
            try op.principal.require(.customersUpdate)
            if patch.owner != nil { try op.principal.require(.customersAssign) }
            return try edit(id, for: .customersUpdate, action: "customer.import_override", publishing: false, op) { row in
                try apply(patch, to: &row, op)
            }
        }
    }

    /// Moves a customer to the relationship named `name` (a single edit: fires events). Needs `customers.update`.
    @discardableResult
    public func setRelationship(_ id: Int64, to name: String, by identity: Identity) throws -> Customer {
        try update(id, CustomerPatch(relationship: name), by: identity)
    }

    /// Adds `delta` reward points (negative to redeem); the balance never goes below zero.
    /// A single edit: fires `customer_updated` and `points_changed`. Needs `customers.update`.
    @discardableResult
    public func awardPoints(_ id: Int64, _ delta: Int64, by identity: Identity) throws -> Customer {
        try crm.perform(identity) { op in
            try op.principal.require(.customersUpdate)
            return try edit(id, for: .customersUpdate, op) { row in
                let (balance, overflow) = row.points.addingReportingOverflow(delta)
                guard !overflow, balance >= 0 else {
                    throw CRMError.invalid(field: "points", reason: "cannot take \(-delta) points from a balance of \(row.points)")
                }
                row.points = balance
            }
        }
    }

    /// Makes `login` the customer's owner (người phụ trách). Needs `customers.assign`.
    @discardableResult
    public func assign(_ id: Int64, to login: String?, by identity: Identity) throws -> Customer {
        try crm.perform(identity) { op in
            try op.principal.require(.customersAssign)
            return try edit(id, for: .customersAssign, op) { row in
                row.ownerId = try login.map { try op.user(login: $0, field: "owner").id }
            }
        }
    }

    /// Adds `login` to the customer's viewers (người xem). Needs `customers.share`.
    @discardableResult
    public func addViewer(_ id: Int64, _ login: String, by identity: Identity) throws -> Customer {
        try changeAccessList(id, by: identity) { row, op in
            let user = try op.user(login: login, field: "viewers")
            if !row.viewerIds.contains(user.id) { row.viewerIds.append(user.id) }
        }
    }

    /// Removes `login` from the customer's viewers. Needs `customers.share`.
    @discardableResult
    public func removeViewer(_ id: Int64, _ login: String, by identity: Identity) throws -> Customer {
        try changeAccessList(id, by: identity) { row, op in
            let user = try op.user(login: login, field: "viewers")
            row.viewerIds.removeAll { $0 == user.id }
        }
    }

    /// Shares the customer read-only with `logins` (added to those already shared). Needs `customers.share`.
    @discardableResult
    public func share(_ id: Int64, with logins: [String], by identity: Identity) throws -> Customer {
        try changeAccessList(id, by: identity) { row, op in
            for id in try userIds(logins, field: "shared_with", op) where !row.sharedWithIds.contains(id) {
                row.sharedWithIds.append(id)
            }
        }
    }

    /// Stops sharing the customer with `logins`. Needs `customers.share`.
    @discardableResult
    public func unshare(_ id: Int64, from logins: [String], by identity: Identity) throws -> Customer {
        try changeAccessList(id, by: identity) { row, op in
            let removed = Set(try userIds(logins, field: "shared_with", op))
            row.sharedWithIds.removeAll(where: removed.contains)
        }
    }

    /// Moves a customer to the trash (soft delete). Needs `customers.delete`.
    public func delete(_ id: Int64, by identity: Identity) throws {
        try crm.perform(identity) { op in
            try op.principal.require(.customersDelete)
            var row = try op.writableCustomer(id, for: .customersDelete)
            let before = try op.snapshot(id)
            row.deletedAt = op.now
            row.updatedAt = op.now
            try op.tx.updateCustomer(row)
            try op.audit("customer.delete", customer: id, before: before, after: nil)
        }
    }

    /// Brings a customer back from the trash. Needs `customers.delete`.
    @discardableResult
    public func restore(_ id: Int64, by identity: Identity) throws -> Customer {
        try crm.perform(identity) { op in
            try op.principal.require(.customersDelete)
            var row = try op.writableCustomer(id, for: .customersDelete, deleted: true)
            row.deletedAt = nil
            row.updatedAt = op.now
            try op.tx.updateCustomer(row)
            let customer = try op.snapshot(id)
            try op.audit("customer.restore", customer: id, before: nil, after: customer)
            return customer
        }
    }

    /// Moves many customers to the relationship `name` at once. Needs `customers.update` on every one;
    /// all or nothing. Fires no events (as in the seed CRMs), but audits each change.
    /// Returns how many customers actually changed.
    @discardableResult
    public func bulkSetRelationship(_ ids: [Int64], to name: String, by identity: Identity) throws -> Int {
        try crm.perform(identity) { op in
            try op.principal.require(.customersUpdate)
            let relationship = try op.relationship(named: name)
            var changed = 0
            for id in Set(ids).sorted() {
                var row = try op.writableCustomer(id, for: .customersUpdate)
                guard row.relationshipId != relationship.id else { continue }
                let before = try op.snapshot(id)
                row.relationshipId = relationship.id
                row.updatedAt = op.now
                try op.tx.updateCustomer(row)
                try op.audit("customer.bulk_relationship", customer: id, before: before, after: try op.snapshot(id))
                changed += 1
            }
            return changed
        }
    }

    /// The customers `id` referred, and those they referred in turn, each with relationship,
    /// revenue and created date. Customers out of the identity's reach are left out with their
    /// branch. Needs `customers.read`.
    public func referrals(of id: Int64, by identity: Identity, maxDepth: Int = 10) throws -> [ReferralNode] {
        try crm.perform(identity) { op in
            try op.principal.require(.customersRead)
            _ = try op.readableCustomer(id)
            return try referralNodes(of: id, depth: 1, maxDepth: maxDepth, op)
        }
    }

    // MARK: - Helpers

    private func referralNodes(of id: Int64, depth: Int, maxDepth: Int, _ op: Operation) throws -> [ReferralNode] {
        guard depth <= maxDepth else { return [] }
        let query = CustomerQuery(conditions: [(.referrer, .equals(.integer(id)))], orderBy: .id, limit: Int.max,
                                  visibility: op.principal.visibility)
        return try op.tx.findCustomers(query).map { customer in
            ReferralNode(id: customer.id, code: customer.code, name: customer.name, relationship: customer.relationship,
                         createdAt: customer.createdAt, revenue: try op.tx.saleRevenue(customerId: customer.id), depth: depth,
                         referred: try referralNodes(of: customer.id, depth: depth + 1, maxDepth: maxDepth, op))
        }
    }

    private func changeAccessList(_ id: Int64, by identity: Identity,
                                  _ change: (inout CustomerRow, Operation) throws -> Void) throws -> Customer {
        try crm.perform(identity) { op in
            try op.principal.require(.customersShare)
            return try edit(id, for: .customersShare, op) { row in try change(&row, op) }
        }
    }

    /// The one path of every single edit: load within reach, change, store, audit, publish (unless
    /// an upload's override, which fires nothing).
    private func edit(_ id: Int64, for permission: Permission, action: String = "customer.update", publishing: Bool = true,
                      _ op: Operation, _ change: (inout CustomerRow) throws -> Void) throws -> Customer {
        let original = try op.writableCustomer(id, for: permission)
        let before = try op.snapshot(id)
        var row = original
        try change(&row)
        row.viewerIds = Self.unique(row.viewerIds)
        row.sharedWithIds = Self.unique(row.sharedWithIds)
        row.updatedAt = op.now
        let after = try store(row, op)
        let changes = after.changes(since: before)
        guard !changes.isEmpty else {
            try op.tx.updateCustomer(original)   // an edit that changes nothing leaves no trace
            return before
        }
        try op.audit(action, customer: id, before: before, after: after)
        guard publishing else { return after }
        try op.publish(.customerUpdated, customer: after, before: before, changes: changes)
        if let change = changes["relationship"] {
            try op.publish(.relationshipChanged, customer: after, before: before, changes: ["relationship": change])
        }
        if let change = changes["points"] {
            try op.publish(.pointsChanged, customer: after, before: before, changes: ["points": change])
        }
        if changes["referrer"] != nil, let referrerId = after.referrer {
            try op.publish(.customerReferred, customer: after, before: before, referrer: try op.snapshot(referrerId))
        }
        return after
    }

    private func store(_ row: CustomerRow, _ op: Operation) throws -> Customer {
        try op.tx.updateCustomer(row)
        return try op.snapshot(row.id)
    }

    private func apply(_ patch: CustomerPatch, to row: inout CustomerRow, _ op: Operation) throws {
        if let name = patch.name { row.name = try TextRules.required(name, field: "name", max: 200) }
        if let phone = patch.phone { row.phone = try TextRules.phone(phone) }
        if let email = patch.email { row.email = try TextRules.email(email) }
        if let source = patch.source { row.source = try TextRules.optional(source, field: "source", max: 100) }
        if let points = patch.points { row.points = try Self.points(points) }
        if let name = patch.relationship { row.relationshipId = try op.relationship(named: name).id }
        if let owner = patch.owner { row.ownerId = try owner.map { try op.user(login: $0, field: "owner").id } }
        if let referrer = patch.referrer {
            row.referrerId = try referrer.map { try checkedReferrer($0, for: row.id, op) }
        }
        if let fields = patch.fields {
            var merged = row.fields
            for (key, value) in fields { merged[key] = value }
            row.fields = try CustomFields.validated(merged)
        }
    }

    /// A referrer must be a readable customer of the tenant and must not make a referral cycle.
    private func checkedReferrer(_ referrerId: Int64, for customerId: Int64, _ op: Operation) throws -> Int64 {
        _ = try op.readableCustomer(referrerId)
        var current: Int64? = referrerId
        var seen = Set<Int64>()
        while let next = current, seen.insert(next).inserted {
            if next == customerId {
                throw CRMError.invalid(field: "referrer", reason: "customer \(referrerId) would make a referral cycle")
            }
            current = try op.tx.customerRow(id: next)?.referrerId
        }
        return referrerId
    }

    private func userIds(_ logins: [String], field: String, _ op: Operation) throws -> [Int64] {
        try users(logins, field: field, op).map(\.id)
    }

    /// The users named by `logins`, each once, in the order given.
    private func users(_ logins: [String], field: String, _ op: Operation) throws -> [User] {
        var seen = Set<Int64>()
        return try logins.map { try op.user(login: $0, field: field) }.filter { seen.insert($0.id).inserted }
    }

    /// Logins ordered as the store lists them in a snapshot (by their bytes, as SQLite compares text).
    private static func loginsInStoreOrder(_ users: [User]) -> [String] {
        users.map(\.login).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static func points(_ value: Int64) throws -> Int64 {
        guard value >= 0 else { throw CRMError.invalid(field: "points", reason: "must not be negative (got \(value))") }
        return value
    }

    private static func unique(_ ids: [Int64]) -> [Int64] {
        var seen = Set<Int64>()
        return ids.filter { seen.insert($0).inserted }
    }
}

/// Validation of custom fields: keys are short text, values are finite and bounded.
enum CustomFields {
    static let maxFields = 100

    static func validated(_ fields: [String: FieldValue]) throws -> [String: FieldValue] {
        guard fields.count <= maxFields else {
            throw CRMError.invalid(field: "fields", reason: "at most \(maxFields) custom fields (got \(fields.count))")
        }
        var result: [String: FieldValue] = [:]
        for (key, value) in fields {
            let name = try TextRules.required(key, field: "fields", max: 64)
            switch value {
            case .string(let text):
                try TextRules.checkRawLength(text, field: "fields.\(name)", max: 2000)
                let composed = text.precomposedStringWithCanonicalMapping
                try TextRules.checkLength(composed, field: "fields.\(name)", max: 2000)
                result[name] = .string(composed)
            case .double(let number):
                guard number.isFinite else { throw CRMError.invalid(field: "fields.\(name)", reason: "must be a finite number") }
                result[name] = value
            case .integer, .bool:
                result[name] = value
            }
        }
        return result
    }
}
