/// A plain value of a snapshot as the edges see it (JSON, Lua tables): used for the
/// `changes` of events, the audit log's before/after and, later, conversion to Lua.
/// Integers and floating-point numbers stay distinct.
public indirect enum SnapshotValue: Sendable, Equatable, Hashable {
    case string(String)
    case integer(Int64)
    case double(Double)
    case bool(Bool)
    case array([SnapshotValue])
    case object([String: SnapshotValue])
}

extension SnapshotValue: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([SnapshotValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: SnapshotValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

/// One changed field: `{from = old, to = new}`; nil stands for an absent value.
public struct FieldChange: Sendable, Equatable, Codable {
    public var from: SnapshotValue?
    public var to: SnapshotValue?

    public init(from: SnapshotValue?, to: SnapshotValue?) {
        self.from = from
        self.to = to
    }
}

/// The value of a custom field: a string, an integer, a floating-point number or a boolean.
/// Kept with its exact type so that `1` and `1.0` and `"1"` round-trip as they came.
public enum FieldValue: Sendable, Equatable, Hashable {
    case string(String)
    case integer(Int64)
    case double(Double)
    case bool(Bool)

    /// The same value as a snapshot value.
    public var snapshotValue: SnapshotValue {
        switch self {
        case .string(let value): return .string(value)
        case .integer(let value): return .integer(value)
        case .double(let value): return .double(value)
        case .bool(let value): return .bool(value)
        }
    }
}

/// Custom fields are stored as a JSON object whose values are tagged with their type
/// (`{"s": "text"}`, `{"i": 1}`, `{"f": 1.5}`, `{"b": true}`), so no JSON coder can blur
/// an integer into a float on the way back.
extension FieldValue: Codable {
    private enum Tag: String, CodingKey { case s, i, f, b }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Tag.self)
        if let value = try container.decodeIfPresent(String.self, forKey: .s) { self = .string(value) }
        else if let value = try container.decodeIfPresent(Int64.self, forKey: .i) { self = .integer(value) }
        else if let value = try container.decodeIfPresent(Double.self, forKey: .f) { self = .double(value) }
        else if let value = try container.decodeIfPresent(Bool.self, forKey: .b) { self = .bool(value) }
        else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "untagged custom field"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Tag.self)
        switch self {
        case .string(let value): try container.encode(value, forKey: .s)
        case .integer(let value): try container.encode(value, forKey: .i)
        case .double(let value): try container.encode(value, forKey: .f)
        case .bool(let value): try container.encode(value, forKey: .b)
        }
    }
}
