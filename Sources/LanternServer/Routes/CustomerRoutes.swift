import CRMCore
import Hummingbird

/// `/customers`: the list with filters and pages, single records, the trash, the bulk
/// relationship change, and each customer's ledger, referrals and revenue.
struct CustomerRoutes {
    /// Query parameters that filter the list by equality, with the type of their value.
    static let equalityFilters: [(name: String, field: CustomerField, isInteger: Bool)] = [
        ("code", .code, false), ("name", .name, false), ("phone", .phone, false), ("email", .email, false),
        ("relationship", .relationship, false), ("owner", .owner, false), ("department", .department, false),
        ("source", .source, false), ("referrer", .referrer, true), ("points", .points, true),
    ]

    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("customers") { request, context in
            let caller = try context.requireCaller()
            let query = try Self.query(QueryReading(request: request))
            let customers = try await caller.run { crm, me in try crm.customers.find(query, by: me) }
            return JSONResponse(PageBody(items: customers.map(CustomerBody.init), limit: query.limit, offset: query.offset))
        }
        group.post("customers") { request, context in
            let caller = try context.requireCaller()
            let body = try await request.decodeBody(NewCustomerBody.self, context: context)
            let customer = try await caller.run { crm, me in try crm.customers.create(body.input, by: me) }
            return JSONResponse(CustomerBody(customer: customer), status: .created)
        }
        group.post("customers/bulk-relationship") { request, context in
            let caller = try context.requireCaller()
            let body = try await request.decodeBody(BulkRelationshipBody.self, context: context)
            guard body.ids.count <= 10_000 else { throw APIError.badRequest("at most 10000 ids at once (got \(body.ids.count))") }
            let changed = try await caller.run { crm, me in try crm.customers.bulkSetRelationship(body.ids, to: body.relationship, by: me) }
            return JSONResponse(["changed": changed])
        }
        group.get("customers/:id") { _, context in
            let caller = try context.requireCaller()
            let id = try context.id()
            guard let customer = try await caller.run({ crm, me in try crm.customers.get(id, by: me) }) else {
                throw CRMError.notFound(entity: "customer", key: "\(id)")
            }
            return JSONResponse(CustomerBody(customer: customer))
        }
        group.patch("customers/:id") { request, context in
            let caller = try context.requireCaller()
            let id = try context.id()
            let body = try await request.decodeBody(CustomerPatchBody.self, context: context)
            let customer = try await caller.run { crm, me in try crm.customers.update(id, body.patch, by: me) }
            return JSONResponse(CustomerBody(customer: customer))
        }
        group.delete("customers/:id") { _, context in
            let caller = try context.requireCaller()
            let id = try context.id()
            try await caller.run { crm, me in try crm.customers.delete(id, by: me) }
            return NoContent()
        }
        group.post("customers/:id/restore") { _, context in
            let caller = try context.requireCaller()
            let id = try context.id()
            let customer = try await caller.run { crm, me in try crm.customers.restore(id, by: me) }
            return JSONResponse(CustomerBody(customer: customer))
        }
        group.get("customers/:id/ledger") { request, context in
            let caller = try context.requireCaller()
            let id = try context.id()
            let limit = try QueryReading(request: request).integer("limit", default: 100, range: 1...1000)
            let entries = try await caller.run { crm, me in try crm.ledger.forCustomer(id, limit: limit, by: me) }
            return JSONResponse(ListBody(items: entries.map { LedgerEntryBody(entry: $0, customer: id) }))
        }
        group.get("customers/:id/referrals") { _, context in
            let caller = try context.requireCaller()
            let id = try context.id()
            let nodes = try await caller.run { crm, me in try crm.customers.referrals(of: id, by: me) }
            return JSONResponse(ListBody(items: nodes.map(ReferralBody.init)))
        }
        group.get("customers/:id/revenue") { _, context in
            let caller = try context.requireCaller()
            let id = try context.id()
            let years = try await caller.run { crm, me in try crm.orders.revenueByYear(customer: id, by: me) }
            return JSONResponse(RevenueBody(customer: id, years: years))
        }
    }

    /// The customer query of a list request: equality filters, `created_from`/`created_to`
    /// (Unix seconds), `order_by`, `order` (`asc`/`desc`), `deleted` (the trash), pages.
    static func query(_ reading: QueryReading) throws -> CustomerQuery {
        var query = CustomerQuery()
        (query.limit, query.offset) = try reading.page()
        for filter in equalityFilters {
            guard let text = reading.text(filter.name) else { continue }
            if filter.isInteger {
                guard let value = try reading.int64(filter.name) else { continue }
                query.conditions.append((filter.field, .equals(.integer(value))))
            } else {
                query.conditions.append((filter.field, .equals(.string(text))))
            }
        }
        if let from = try reading.int64("created_from") { query.conditions.append((.createdAt, .greaterOrEqual(.integer(from)))) }
        if let to = try reading.int64("created_to") { query.conditions.append((.createdAt, .lessOrEqual(.integer(to)))) }
        if let field = try reading.choice("order_by", as: CustomerField.self) { query.orderBy = field }
        query.descending = try reading.choice("order", as: SortOrder.self) == .desc
        query.deleted = try reading.flag("deleted")
        return query
    }
}

/// The `order` parameter of a list.
enum SortOrder: String, CaseIterable {
    case asc, desc
}
