import CRMCore
import Hummingbird

/// `/notifications`: the caller's own inbox (plugins' `crm.notify` lands here).
struct NotificationRoutes {
    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("notifications") { request, context in
            let caller = try context.requireCaller()
            let unread = try QueryReading(request: request).flag("unread")
            let inbox = try await caller.run { crm, me in try crm.notifications.inbox(unreadOnly: unread, by: me) }
            return JSONResponse(ListBody(items: inbox.map(NotificationBody.init)))
        }
        group.post("notifications/:id/read") { _, context in
            let caller = try context.requireCaller()
            let id = try context.id()
            let notification = try await caller.run { crm, me in try crm.notifications.markRead(id, by: me) }
            return JSONResponse(NotificationBody(notification: notification))
        }
    }
}
