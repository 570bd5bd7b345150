import CRMCore

/// Snapshots as JSON text, written by hand: every change is audited with its snapshot, and
/// Foundation's encoder made that a tenth of an import's time. The output is plain JSON with
/// sorted keys, read back by `JSONText.decode` like any other.
enum SnapshotJSON {
    struct NotFinite: Error, CustomStringConvertible {
        let key: String
        var description: String { "the snapshot's \(key) is not a finite number" }
    }

    static func text(_ object: [String: SnapshotValue]) throws -> String { try json(object).text }

    static func text(_ customer: Customer) throws -> String { try json(customer).text }

    static func json(_ object: [String: SnapshotValue]) throws -> JSONWriting {
        var output = JSONWriting(capacity: 512)
        try write(.object(object), key: "", into: &output)
        return output
    }

    static func json(_ customer: Customer) throws -> JSONWriting {
        var output = JSONWriting(capacity: 512)
        try write(customer, into: &output)
        return output
    }

    /// Writes `customer.snapshot` as `text(_:)` would, straight from the customer's properties
    /// (keys in sorted order, absent ones left out): every customer change is audited, and
    /// building the snapshot's dictionary first cost about as much as writing the entry.
    /// `SnapshotJSONTests` holds the two to the same bytes.
    static func write(_ customer: Customer, into output: inout JSONWriting) throws {
        output.append("{\"code\":"); output.appendString(customer.code)
        output.append(",\"created_at\":"); output.append(customer.createdAt)
        if let department = customer.department { output.append(",\"department\":"); output.appendString(department) }
        if let email = customer.email { output.append(",\"email\":"); output.appendString(email) }
        output.append(",\"fields\":{")
        for (index, field) in customer.fields.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { output.append(",") }
            output.appendString(field.key)
            output.append(":")
            try write(field.value.snapshotValue, key: field.key, into: &output)
        }
        output.append("},\"id\":"); output.append(customer.id)
        if let lastOrderAt = customer.lastOrderAt { output.append(",\"last_order_at\":"); output.append(lastOrderAt) }
        output.append(",\"name\":"); output.appendString(customer.name)
        if let owner = customer.owner { output.append(",\"owner\":"); output.appendString(owner) }
        if let phone = customer.phone { output.append(",\"phone\":"); output.appendString(phone) }
        output.append(",\"points\":"); output.append(customer.points)
        if let referrer = customer.referrer { output.append(",\"referrer\":"); output.append(referrer) }
        output.append(",\"relationship\":"); output.appendString(customer.relationship)
        output.append(",\"shared_with\":"); write(logins: customer.sharedWith, into: &output)
        if let source = customer.source { output.append(",\"source\":"); output.appendString(source) }
        output.append(",\"updated_at\":"); output.append(customer.updatedAt)
        output.append(",\"viewers\":"); write(logins: customer.viewers, into: &output)
        output.append("}")
    }

    private static func write(logins: [String], into output: inout JSONWriting) {
        output.append("[")
        for (index, login) in logins.enumerated() {
            if index > 0 { output.append(",") }
            output.appendString(login)
        }
        output.append("]")
    }

    private static func write(_ value: SnapshotValue, key: String, into output: inout JSONWriting) throws {
        switch value {
        case .string(let text): output.appendString(text)
        case .integer(let number): output.append(number)
        case .double(let number):
            guard number.isFinite else { throw NotFinite(key: key) }
            output.appendRaw(number.description)
        case .bool(let flag): output.append(flag ? "true" : "false")
        case .array(let items):
            output.append("[")
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(",") }
                try write(item, key: key, into: &output)
            }
            output.append("]")
        case .object(let fields):
            output.append("{")
            for (index, field) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { output.append(",") }
                output.appendString(field.key)
                output.append(":")
                try write(field.value, key: field.key, into: &output)
            }
            output.append("}")
        }
    }
}
