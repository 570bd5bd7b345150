import CRMCore
import LuaRuntime

/// Events and customer snapshots pushed straight onto the Lua stack: a delivery's hot path
/// (`LuaSnapshots.customer` builds the same customer table as a `LuaValue` for the `crm` calls; a
/// test keeps the two equal).
extension LuaSnapshots {
    /// Pushes the event table a hook receives (plugin-api.md section 3).
    static func push(_ event: DomainEvent, _ w: LuaArgumentWriter) {
        w.pushTable(fields: 7)
        w.push(literal: event.kind.literalName); w.setField("name")
        w.push(event.actor.label); w.setField("actor")
        w.push(literal: event.actor.source.literalName); w.setField("source")
        w.push(event.at); w.setField("at")
        push(event.customer, w); w.setField("customer")
        switch event.kind {
        case .customerUpdated:
            if let before = event.before { push(before, w); w.setField("before") }
            w.pushTable(fields: event.changes.count)
            for (field, change) in event.changes {
                w.pushTable(fields: 2)
                if let from = change.from { push(from, w); w.setField("from") }
                if let to = change.to { push(to, w); w.setField("to") }
                w.setField(named: field)
            }
            w.setField("changes")
        case .relationshipChanged, .pointsChanged:
            if let from = event.from { push(from, w); w.setField("from") }
            if let to = event.to { push(to, w); w.setField("to") }
        case .customerReferred:
            if let referrer = event.referrer { push(referrer, w); w.setField("referrer") }
        case .orderCreated:
            if let order = event.order { push(order.snapshot, w); w.setField("order") }
        case .customerCreated:
            break
        }
    }

    /// Pushes a customer snapshot: the fields of `Customer.snapshot`, absent ones left out.
    static func push(_ customer: Customer, _ w: LuaArgumentWriter) {
        // Sized exactly: a table made room for 17 fields gets 32 slots, one for 15 gets 16.
        w.pushTable(fields: 10 + customer.presentOptionalFields)
        w.push(customer.id); w.setField("id")
        w.push(customer.code); w.setField("code")
        w.push(customer.name); w.setField("name")
        if let phone = customer.phone { w.push(phone); w.setField("phone") }
        if let email = customer.email { w.push(email); w.setField("email") }
        w.push(customer.relationship); w.setField("relationship")
        if let owner = customer.owner { w.push(owner); w.setField("owner") }
        if let department = customer.department { w.push(department); w.setField("department") }
        push(customer.viewers, w); w.setField("viewers")
        push(customer.sharedWith, w); w.setField("shared_with")
        if let referrer = customer.referrer { w.push(referrer); w.setField("referrer") }
        w.push(customer.points); w.setField("points")
        if let source = customer.source { w.push(source); w.setField("source") }
        w.push(customer.createdAt); w.setField("created_at")
        w.push(customer.updatedAt); w.setField("updated_at")
        if let lastOrderAt = customer.lastOrderAt { w.push(lastOrderAt); w.setField("last_order_at") }
        w.pushTable(fields: customer.fields.count)
        for (name, value) in customer.fields {
            push(value.snapshotValue, w)
            w.setField(named: name)
        }
        w.setField("fields")
    }

    private static func push(_ logins: [String], _ w: LuaArgumentWriter) {
        w.pushTable(array: logins.count)
        for (offset, login) in logins.enumerated() {
            w.push(login)
            w.setItem(offset + 1)
        }
    }

    private static func push(_ fields: [String: SnapshotValue], _ w: LuaArgumentWriter) {
        w.pushTable(fields: fields.count)
        for (name, value) in fields {
            push(value, w)
            w.setField(named: name)
        }
    }

    private static func push(_ value: SnapshotValue, _ w: LuaArgumentWriter) {
        switch value {
        case .string(let text): w.push(text)
        case .integer(let number): w.push(number)
        case .double(let number): w.push(number)
        case .bool(let flag): w.push(flag)
        case .array(let items):
            w.pushTable(array: items.count)
            for (offset, item) in items.enumerated() {
                push(item, w)
                w.setItem(offset + 1)
            }
        case .object(let fields): push(fields, w)
        }
    }
}

extension Customer {
    /// How many of the snapshot's optional fields (phone, email, owner, department, referrer,
    /// source, last_order_at) are present.
    var presentOptionalFields: Int {
        var count = 0
        if phone != nil { count += 1 }
        if email != nil { count += 1 }
        if owner != nil { count += 1 }
        if department != nil { count += 1 }
        if referrer != nil { count += 1 }
        if source != nil { count += 1 }
        if lastOrderAt != nil { count += 1 }
        return count
    }
}
