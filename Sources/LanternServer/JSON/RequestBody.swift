import CRMCore
import Foundation
import Hummingbird

/// A JSON request body type: decoded strictly, so a misspelt field is a 400 that names it
/// rather than a value silently ignored.
protocol RequestBody: Decodable, Sendable {
    /// The fields the body may have.
    static var fields: Set<String> { get }
}

extension Request {
    /// Reads and decodes a JSON object body of at most the context's upload size (413 beyond).
    func decodeBody<Body: RequestBody>(_ type: Body.Type, context: APIRequestContext) async throws -> Body {
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw APIError.badRequest("the request needs a JSON object body") }
        do {
            return try JSONDecoder().decode(StrictBody<Body>.self, from: data).body
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw APIError.badRequest("the body is not valid JSON")
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw APIError.badRequest("the body must be a JSON object")
        } catch DecodingError.valueNotFound(_, let context) where context.codingPath.isEmpty {
            throw APIError.badRequest("the body must be a JSON object")
        }
    }
}

/// Decodes a body after checking, on the same parse, that its object has only the fields it knows.
private struct StrictBody<Body: RequestBody>: Decodable {
    let body: Body

    init(from decoder: any Decoder) throws {
        let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        if let unknown = keys.sorted().first(where: { !Body.fields.contains($0) }) {
            throw APIError.badRequest("unknown field \"\(unknown)\" (expected one of: \(Body.fields.sorted().joined(separator: ", ")))")
        }
        body = try Body(from: decoder)
    }

    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// Describes a decoding failure by the field it happened at.
enum BodyProblem {
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let names = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? "the body" : "field \"\(names.joined(separator: ".").replacingOccurrences(of: ".[", with: "["))\""
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "missing field \"\(key.stringValue)\"\(parent)"
        case .typeMismatch(let type, let context):
            return "\(path(context)) must be \(BodyProblem.name(of: type))"
        case .valueNotFound(let type, let context):
            return "\(path(context)) must be \(BodyProblem.name(of: type)), not null"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int64.Type, is Int.Type: return "a whole number"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default: return "of another shape (see the OpenAPI document)"
        }
    }
}

/// A field of a PATCH body that may be absent (leave as is), null (clear) or a value.
enum Patch<Value: Decodable & Sendable>: Sendable {
    case absent
    case value(Value?)

    /// The CRM's doubly optional form: nil = leave, .some(nil) = clear.
    var optional: Value?? {
        switch self {
        case .absent: return nil
        case .value(let value): return .some(value)
        }
    }
}

extension KeyedDecodingContainer {
    func decodePatch<Value: Decodable & Sendable>(_ type: Value.Type, forKey key: Key) throws -> Patch<Value> {
        guard contains(key) else { return .absent }
        if try decodeNil(forKey: key) { return .value(nil) }
        return .value(try decode(Value.self, forKey: key))
    }
}

/// A custom field value in JSON: a string, a whole number, a number or a boolean.
struct JSONFieldValue: Decodable, Sendable {
    let value: FieldValue

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let bool = try? container.decode(Bool.self) { value = .bool(bool) }
        else if let integer = try? container.decode(Int64.self) { value = .integer(integer) }
        else if let double = try? container.decode(Double.self) { value = .double(double) }
        else if let string = try? container.decode(String.self) { value = .string(string) }
        else {
            throw DecodingError.typeMismatch(FieldValue.self, .init(codingPath: decoder.codingPath,
                debugDescription: "a custom field must be a string, a number or true/false"))
        }
    }
}
