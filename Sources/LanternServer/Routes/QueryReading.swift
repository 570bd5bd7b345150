import CRMCore
import Hummingbird

/// Reads query parameters and path ids with 400s that name the parameter.
struct QueryReading {
    let request: Request

    func text(_ name: String) -> String? {
        guard let value = request.uri.queryParameters.get(name) else { return nil }
        return value
    }

    func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = text(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("query parameter \"\(name)\" must be a whole number from \(range.lowerBound) to \(range.upperBound) (got \"\(text)\")")
        }
        return value
    }

    func int64(_ name: String) throws -> Int64? {
        guard let text = text(name) else { return nil }
        guard let value = Int64(text) else { throw APIError.badRequest("query parameter \"\(name)\" must be a whole number (got \"\(text)\")") }
        return value
    }

    func flag(_ name: String) throws -> Bool {
        guard let text = text(name) else { return false }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no", "": return false
        default: throw APIError.badRequest("query parameter \"\(name)\" must be true or false (got \"\(text)\")")
        }
    }

    /// A parameter that must be one of an enumeration's raw values, or nil when absent.
    func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, as type: Choice.Type) throws -> Choice?
    where Choice.RawValue == String {
        guard let text = text(name) else { return nil }
        guard let value = Choice(rawValue: text) else {
            let allowed = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.badRequest("query parameter \"\(name)\" must be one of: \(allowed) (got \"\(text)\")")
        }
        return value
    }

    /// `limit` (1...1000, default 50) and `offset` (default 0).
    func page() throws -> (limit: Int, offset: Int) {
        (try integer("limit", default: 50, range: 1...1000), try integer("offset", default: 0, range: 0...Int(Int32.max)))
    }
}

extension APIRequestContext {
    /// The `{id}` path parameter as a record id (404 when it is not one: no such record).
    func id(_ name: String = "id") throws -> Int64 {
        guard let text = parameters.get(name), let id = Int64(text), id > 0 else {
            throw APIError.notFound("no record with id \"\(parameters.get(name) ?? "")\"")
        }
        return id
    }
}
