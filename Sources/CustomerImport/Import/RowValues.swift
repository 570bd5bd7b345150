import CRMCore

/// One row's values, read through the columns and checked for what the CRM cannot check
/// itself (numbers, the referrer's code, owners given by name).
struct RowValues {
    var code: String?
    var name: String?
    var phone: String?
    var email: String?
    var relationship: String?
    var owner: String?
    var source: String?
    var points: Int64?
    var referrer: Int64?
    var viewers: [String]?
    var fields: [String: FieldValue]

    init(_ row: ImportRow, columns: ImportColumns, owners: OwnerResolver, crm: CRM, identity: Identity) throws {
        code = columns.text(.code, in: row)
        name = columns.text(.name, in: row)
        phone = columns.text(.phone, in: row)
        email = columns.text(.email, in: row)
        relationship = columns.text(.relationship, in: row)
        source = columns.text(.source, in: row)
        fields = columns.fields(in: row)
        if let text = columns.text(.owner, in: row) {
            guard let login = owners.login(for: text) else { throw CRMError.invalid(field: "owner", reason: "unknown user \"\(text)\"") }
            owner = login
        }
        if let text = columns.text(.points, in: row) {
            guard let value = Int64(text.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: " ", with: "")) else {
                throw CRMError.invalid(field: "points", reason: "\"\(text)\" is not a whole number")
            }
            points = value
        }
        if let text = columns.text(.referrer, in: row) {
            guard let found = try crm.customer(code: text, by: identity) else {
                throw CRMError.invalid(field: "referrer", reason: "no customer with code \"\(text)\"")
            }
            referrer = found.id
        }
        if let text = columns.text(.viewers, in: row) {
            viewers = try text.split(whereSeparator: { $0 == "," || $0 == ";" }).map { part in
                let name = part.trimmingCharacters(in: .whitespaces)
                guard let login = owners.login(for: name) else { throw CRMError.invalid(field: "viewers", reason: "unknown user \"\(name)\"") }
                return login
            }
        }
    }

    /// A new customer: blank cells are simply not given (an empty relationship means the first).
    func newCustomer(defaultOwner: String?) throws -> NewCustomer {
        guard let name else { throw CRMError.invalid(field: "name", reason: "must not be empty") }
        let ownerChoice: OwnerChoice = (owner ?? defaultOwner).map(OwnerChoice.user) ?? .creator
        return NewCustomer(code: code, name: name, phone: phone, email: email, relationship: relationship, owner: ownerChoice,
                           viewers: viewers ?? [], referrer: referrer, points: points ?? 0, source: source, fields: fields)
    }

    /// An override: only non-blank cells are written (a column the file lacks reads as blank).
    func patch() -> CustomerPatch {
        var patch = CustomerPatch()
        patch.name = name
        patch.phone = phone.map { .some($0) }
        patch.email = email.map { .some($0) }
        patch.relationship = relationship
        patch.owner = owner.map { .some($0) }
        patch.points = points
        patch.referrer = referrer.map { .some($0) }
        patch.source = source.map { .some($0) }
        if !fields.isEmpty { patch.fields = fields.mapValues { .some($0) } }
        return patch
    }
}

/// Turns an owner cell into a login: a login as is, or a user's full name when exactly one user
/// has it (exports from other CRMs name people, not logins).
struct OwnerResolver {
    private var logins: Set<String> = []
    private var byName: [String: [String]] = [:]

    init(crm: CRM, identity: Identity) throws {
        for user in try crm.directory.users(by: identity) {
            logins.insert(user.login)
            byName[HeaderName.normalize(user.name), default: []].append(user.login)
        }
    }

    func login(for text: String) -> String? {
        if logins.contains(text) { return text }
        guard let matches = byName[HeaderName.normalize(text)], matches.count == 1 else { return nil }
        return matches[0]
    }
}
