import CRMCore

/// `POST /customers`.
struct NewCustomerBody: RequestBody {
    static let fields: Set<String> = ["code", "name", "phone", "email", "relationship", "owner", "viewers", "shared_with",
                                      "referrer", "points", "source", "fields"]
    let input: NewCustomer

    enum CodingKeys: String, CodingKey {
        case code, name, phone, email, relationship, owner, viewers, referrer, points, source, fields
        case sharedWith = "shared_with"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // `owner` absent: the caller; null: nobody (the shared pool); a login: that user.
        let owner: OwnerChoice
        switch try c.decodePatch(String.self, forKey: .owner) {
        case .absent: owner = .creator
        case .value(nil): owner = .nobody
        case .value(let login?): owner = .user(login)
        }
        input = NewCustomer(
            code: try c.decodeIfPresent(String.self, forKey: .code), name: try c.decode(String.self, forKey: .name),
            phone: try c.decodeIfPresent(String.self, forKey: .phone), email: try c.decodeIfPresent(String.self, forKey: .email),
            relationship: try c.decodeIfPresent(String.self, forKey: .relationship), owner: owner,
            viewers: try c.decodeIfPresent([String].self, forKey: .viewers) ?? [],
            sharedWith: try c.decodeIfPresent([String].self, forKey: .sharedWith) ?? [],
            referrer: try c.decodeIfPresent(Int64.self, forKey: .referrer), points: try c.decodeIfPresent(Int64.self, forKey: .points) ?? 0,
            source: try c.decodeIfPresent(String.self, forKey: .source),
            fields: (try c.decodeIfPresent([String: JSONFieldValue].self, forKey: .fields) ?? [:]).mapValues(\.value))
    }
}

/// `PATCH /customers/{id}`: absent fields stay, `null` clears (name and relationship cannot be
/// cleared), `fields` merges (a field set to null is removed).
struct CustomerPatchBody: RequestBody {
    static let fields: Set<String> = ["name", "phone", "email", "relationship", "owner", "points", "referrer", "source", "fields"]
    let patch: CustomerPatch

    enum CodingKeys: String, CodingKey { case name, phone, email, relationship, owner, points, referrer, source, fields }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var patch = CustomerPatch()
        patch.name = try c.decodeIfPresent(String.self, forKey: .name)
        patch.phone = try c.decodePatch(String.self, forKey: .phone).optional
        patch.email = try c.decodePatch(String.self, forKey: .email).optional
        patch.relationship = try c.decodeIfPresent(String.self, forKey: .relationship)
        patch.owner = try c.decodePatch(String.self, forKey: .owner).optional
        patch.points = try c.decodeIfPresent(Int64.self, forKey: .points)
        patch.referrer = try c.decodePatch(Int64.self, forKey: .referrer).optional
        patch.source = try c.decodePatch(String.self, forKey: .source).optional
        if c.contains(.fields) {
            let values = try c.decode([String: JSONFieldValue?].self, forKey: .fields)
            patch.fields = values.mapValues { $0?.value }
        }
        self.patch = patch
    }
}

/// `POST /customers/bulk-relationship`.
struct BulkRelationshipBody: RequestBody {
    static let fields: Set<String> = ["ids", "relationship"]
    let ids: [Int64]
    let relationship: String
}
