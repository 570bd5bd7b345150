import Foundation
import CRMCore
import LuaRuntime

/// A job's payload as text in the database, and back, exactly: integers stay integers, floats
/// keep every bit, keys keep their type (plugin-api.md section 4: "it comes back exactly").
enum JobPayload {
    /// One value of a payload; a table is a list of its key/value pairs.
    private indirect enum Stored: Decodable {
        case string(String)
        case integer(Int64)
        case number(Double)
        case boolean(Bool)
        case table([Pair])

        struct Pair: Decodable {
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
    }

    /// The text of a payload table; refuses what cannot be stored (functions and the like),
    /// naming the function called.
    ///
    /// Written by hand in the shape `Stored` decodes (`{"t":[{"k":…,"v":…}]}`): a plugin that
    /// schedules a job per new customer made Foundation's encoder a tenth of an import's time.
    static func encode(_ payload: LuaTable, function: String) throws -> String {
        var output = JSONWriting(capacity: 128)
        try write(.table(payload), function: function, into: &output)
        return output.text
    }

    private static func write(_ value: LuaValue, function: String, into output: inout JSONWriting) throws {
        switch value {
        case .string(let text):
            output.append("{\"s\":")
            output.appendString(text)
            output.append("}")
        case .integer(let integer):
            output.append("{\"i\":")
            output.append(integer)
            output.append("}")
        case .number(let number):
            output.append("{\"n\":")
            output.appendRaw(String(number.bitPattern))
            output.append("}")
        case .boolean(let flag): output.append(flag ? "{\"b\":true}" : "{\"b\":false}")
        case .table(let table):
            output.append("{\"t\":[")
            // In the order of the table's dictionary: the text is not canonical, only decoded back.
            for (index, entry) in table.entries.enumerated() {
                output.append(index == 0 ? "{\"k\":" : ",{\"k\":")
                try write(entry.key, function: function, into: &output)
                output.append(",\"v\":")
                try write(entry.value, function: function, into: &output)
                output.append("}")
            }
            output.append("]}")
        default:
            throw BindingError("\(function): a payload holds strings, numbers, booleans and tables, not a \(value.typeName) value")
        }
    }

    /// The payload table stored as `text`.
    static func decode(_ text: String) throws -> LuaValue {
        lua(try JSONDecoder().decode(Stored.self, from: Data(text.utf8)))
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
