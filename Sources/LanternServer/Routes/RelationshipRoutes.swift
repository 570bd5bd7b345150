import CRMCore
import Hummingbird

/// `/relationships`: the ordered, colored sales stages (mối quan hệ) and their trash.
struct RelationshipRoutes {
    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("relationships") { request, context in
            let caller = try context.requireCaller()
            let deleted = try QueryReading(request: request).flag("deleted")
            let list = try await caller.run { crm, me in try crm.relationships.list(deleted: deleted, by: me) }
            return JSONResponse(ListBody(items: list.map(RelationshipBody.init)))
        }
        group.post("relationships") { request, context in
            let caller = try context.requireCaller()
            let body = try await request.decodeBody(NewRelationshipBody.self, context: context)
            let created = try await caller.run { crm, me in
                try crm.relationships.create(name: body.name, color: body.color, description: body.description, by: me)
            }
            return JSONResponse(RelationshipBody(relationship: created), status: .created)
        }
        group.patch("relationships/:id") { request, context in
            let caller = try context.requireCaller()
            let id = try context.id()
            let body = try await request.decodeBody(RelationshipPatchBody.self, context: context)
            let updated = try await caller.run { crm, me in
                try crm.relationships.update(id, name: body.name, color: body.color, description: body.description.optional, by: me)
            }
            return JSONResponse(RelationshipBody(relationship: updated))
        }
        group.delete("relationships/:id") { _, context in
            let caller = try context.requireCaller()
            let id = try context.id()
            try await caller.run { crm, me in try crm.relationships.delete(id, by: me) }
            return NoContent()
        }
        group.post("relationships/:id/restore") { _, context in
            let caller = try context.requireCaller()
            let id = try context.id()
            let restored = try await caller.run { crm, me in try crm.relationships.restore(id, by: me) }
            return JSONResponse(RelationshipBody(relationship: restored))
        }
        group.post("relationships/:id/move") { request, context in
            let caller = try context.requireCaller()
            let id = try context.id()
            let body = try await request.decodeBody(MoveBody.self, context: context)
            let list = try await caller.run { crm, me in try crm.relationships.move(id, to: body.position, by: me) }
            return JSONResponse(ListBody(items: list.map(RelationshipBody.init)))
        }
    }
}
