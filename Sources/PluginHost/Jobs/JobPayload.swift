import Foundation
import LuaRuntime

/// A job's payload as text in the database, and back, exactly: integers stay integers, floats
/// keep every bit, keys keep their type (plugin-api.md section 4: "it comes back exactly").
enum JobPayload {
    /// One value of a payload; a table is a list of its key/value pairs.
    private indirect enum Stored: Codable {
        case string(String)
        case integer(Int64)
        case number(Double)
        case boolean(Bool)
        case table([Pair])

        struct Pair: Codable {
            let k: Stored
            let v: Stored
        }

        private enum CodingKeys: String, CodingKey { case s, i, n, b, t }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let text = try container.decodeIfPresent(String.self, forKey: .s) { self = .string(text) }
            else if let integer = try container.decodeIfPresent(Int64.self, forKey: .i) { self = .integer(integer) }
            else if let bits = try container.decodeIfPresent(UInt64.self, forKey: .n) { self = .number(Double(bitPattern: bits)) }
            else if let flag = try container.decodeIfPresent(Bool.self, forKey: .b) { self = .boolean(flag) }
            else { self = .table(try container.decode([Pair].self, forKey: .t)) }
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .string(let text): try container.encode(text, forKey: .s)
            case .integer(let integer): try container.encode(integer, forKey: .i)
            case .number(let number): try container.encode(number.bitPattern, forKey: .n)
            case .boolean(let flag): try container.encode(flag, forKey: .b)
            case .table(let pairs): try container.encode(pairs, forKey: .t)
            }
        }
    }

    /// The text of a payload table; refuses what cannot be stored (functions and the like),
    /// naming the function called.
    static func encode(_ payload: LuaTable, function: String) throws -> String {
        let data = try JSONEncoder().encode(try stored(.table(payload), function: function))
        return String(decoding: data, as: UTF8.self)
    }

    /// The payload table stored as `text`.
    static func decode(_ text: String) throws -> LuaValue {
        lua(try JSONDecoder().decode(Stored.self, from: Data(text.utf8)))
    }

    private static func stored(_ value: LuaValue, function: String) throws -> Stored {
        switch value {
        case .string(let text): return .string(text)
        case .integer(let integer): return .integer(integer)
        case .number(let number): return .number(number)
        case .boolean(let flag): return .boolean(flag)
        case .table(let table):
            // Sorted so that the same payload is always the same text.
            let pairs = try table.entries.map { Stored.Pair(k: try stored($0.key, function: function), v: try stored($0.value, function: function)) }
            return .table(pairs)
        default:
            throw BindingError("\(function): a payload holds strings, numbers, booleans and tables, not a \(value.typeName) value")
        }
    }

    private static func lua(_ value: Stored) -> LuaValue {
        switch value {
        case .string(let text): .string(text)
        case .integer(let integer): .integer(integer)
        case .number(let number): .number(number)
        case .boolean(let flag): .boolean(flag)
        case .table(let pairs): .table(LuaTable(Dictionary(pairs.map { (lua($0.k), lua($0.v)) }, uniquingKeysWith: { first, _ in first })))
        }
    }
}
