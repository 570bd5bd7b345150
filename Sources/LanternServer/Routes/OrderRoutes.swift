import CRMCore
import Hummingbird

/// `/orders`: sale and purchase orders, visible through their customer.
struct OrderRoutes {
    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("orders") { request, context in
            let caller = try context.requireCaller()
            let reading = QueryReading(request: request)
            var query = OrderQuery()
            (query.limit, query.offset) = try reading.page()
            if let customer = try reading.int64("customer") { query.conditions.append((.customer, .equals(.integer(customer)))) }
            if let kind = try reading.choice("kind", as: OrderKind.self) {
                query.conditions.append((.kind, .equals(.string(kind.rawValue))))
            }
            if let status = try reading.choice("status", as: OrderStatus.self) {
                query.conditions.append((.status, .equals(.string(status.rawValue))))
            }
            let snapshot = query
            let orders = try await caller.run { crm, me in try crm.orders.find(snapshot, by: me) }
            return JSONResponse(PageBody(items: orders.map(OrderBody.init), limit: query.limit, offset: query.offset))
        }
        group.post("orders") { request, context in
            let caller = try context.requireCaller()
            let body = try await request.decodeBody(NewOrderBody.self, context: context)
            let order = try await caller.run { crm, me in try crm.orders.create(body.input, by: me) }
            return JSONResponse(OrderBody(order: order), status: .created)
        }
        group.get("orders/:id") { _, context in
            let caller = try context.requireCaller()
            let id = try context.id()
            guard let order = try await caller.run({ crm, me in try crm.orders.get(id, by: me) }) else {
                throw CRMError.notFound(entity: "order", key: "\(id)")
            }
            return JSONResponse(OrderBody(order: order))
        }
    }
}
