/// Per-user inboxes. Anyone (a user or a plugin through `crm.notify`) may notify any user of
/// the tenant; a user reads and marks only their own inbox.
public struct NotificationService: Sendable {
    let crm: CRM

    /// Puts `message` in the inbox of `login`, signed by the identity (a login or `plugin:<name>`).
    @discardableResult
    public func notify(_ login: String, _ message: String, by identity: Identity) throws -> Notification {
        try crm.perform(identity) { op in
            let recipient = try op.user(login: login, field: "login")
            let text = try TextRules.required(message, field: "message", max: 2000)
            var notification = Notification(recipientId: recipient.id, message: text, sender: op.identity.label, at: op.now)
            notification.id = try op.tx.insertNotification(notification)
            return notification
        }
    }

    /// The identity's own inbox, oldest first.
    public func inbox(unreadOnly: Bool = false, by identity: Identity) throws -> [Notification] {
        try crm.perform(identity) { op in
            try op.tx.notifications(recipientId: op.principal.user.id, unreadOnly: unreadOnly)
        }
    }

    /// Marks one of the identity's own notifications read; another user's is not found.
    @discardableResult
    public func markRead(_ id: Int64, by identity: Identity) throws -> Notification {
        try crm.perform(identity) { op in
            guard var notification = try op.tx.notification(id: id), notification.recipientId == op.principal.user.id else {
                throw CRMError.notFound(entity: "notification", key: "\(id)")
            }
            if notification.readAt == nil {
                notification.readAt = op.now
                try op.tx.markNotificationRead(id: id, at: op.now)
            }
            return notification
        }
    }
}

/// Reading the audit log: a customer's history for whoever may read the customer, the whole
/// log for `settings.manage`.
public struct AuditService: Sendable {
    let crm: CRM

    /// The changes to one customer, oldest first.
    public func customerHistory(_ id: Int64, by identity: Identity) throws -> [AuditEntry] {
        try crm.perform(identity) { op in
            try op.principal.require(.customersRead)
            _ = try op.readableCustomer(id)
            return try op.tx.auditEntries(entity: "customer", entityId: id, limit: 10_000)
        }
    }

    /// The newest `limit` entries of the whole log (optionally of one kind of record), oldest first.
    public func entries(entity: String? = nil, limit: Int = 1000, by identity: Identity) throws -> [AuditEntry] {
        try crm.perform(identity) { op in
            try op.principal.require(.settingsManage)
            return try op.tx.auditEntries(entity: entity, entityId: nil, limit: limit)
        }
    }
}

/// Reading the plugin ledger: a customer's Automation tab for whoever may read the customer,
/// a plugin's invocations for `plugins.manage`.
public struct LedgerService: Sendable {
    let crm: CRM

    /// The invocations listed under one customer, oldest first.
    public func forCustomer(_ id: Int64, limit: Int = 1000, by identity: Identity) throws -> [LedgerEntry] {
        try crm.perform(identity) { op in
            try op.principal.require(.customersRead)
            _ = try op.readableCustomer(id)
            return try op.tx.ledger(customerId: id, limit: limit)
        }
    }

    /// The newest invocations of one plugin, oldest first.
    public func forPlugin(_ name: String, limit: Int = 1000, by identity: Identity) throws -> [LedgerEntry] {
        try crm.perform(identity) { op in
            try op.principal.require(.pluginsManage)
            return try op.tx.ledger(plugin: name, limit: limit)
        }
    }
}
