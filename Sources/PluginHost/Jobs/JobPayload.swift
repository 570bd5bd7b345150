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

    /// The text of an empty payload (`crm.schedule` without one). An empty table holds nothing
    /// that could be refused, so encoding it cannot fail.
    static let empty = try! encode(LuaTable(), function: "crm.schedule")

    /// The text of a payload table; refuses what cannot be stored (functions and the like),
    /// naming the function called.
    static func encode(_ payload: LuaTable, function: String) throws -> String {
        var writer = Writer(function: function)
        try LuaValue.table(payload).walk(with: &writer)
        return writer.output.text
    }

    /// The text of the payload table a plugin passed as argument `index`, written straight from
    /// the Lua stack: a plugin that schedules a job per new customer spent a tenth of the hook
    /// copying the payload into `LuaValue`s first.
    static func encode(argument index: Int, of arguments: LuaStackArguments, function: String) throws -> String {
        var writer = Writer(function: function)
        try arguments.walk(index, with: &writer)
        return writer.output.text
    }

    /// Writes JSON by hand in the shape `Stored` decodes (`{"t":[{"k":…,"v":…}]}`): Foundation's
    /// encoder was a tenth of an import's time. A table's entries are written in the order they
    /// are walked: the text is not canonical, only decoded back.
    private struct Writer: LuaValueVisitor {
        let function: String
        var output = JSONWriting(capacity: 128)

        init(function: String) { self.function = function }

        mutating func visitNil() throws { try visit(other: "nil") }
        mutating func visit(boolean: Bool) { output.append(boolean ? "{\"b\":true}" : "{\"b\":false}") }
        mutating func visit(integer: Int64) {
            output.append("{\"i\":")
            output.append(integer)
            output.append("}")
        }
        mutating func visit(number: Double) {
            output.append("{\"n\":")
            output.appendRaw(String(number.bitPattern))
            output.append("}")
        }
        mutating func visit(string: UnsafeRawBufferPointer) {
            output.append("{\"s\":")
            output.appendString(utf8: string)
            output.append("}")
        }
        func visit(other typeName: String) throws {
            throw BindingError("\(function): a payload holds strings, numbers, booleans and tables, not a \(typeName) value")
        }
        mutating func beginTable() { output.append("{\"t\":[") }
        mutating func beginKey(index: Int) { output.append(index == 0 ? "{\"k\":" : ",{\"k\":") }
        mutating func beginValue() { output.append(",\"v\":") }
        mutating func endEntry() { output.append("}") }
        mutating func endTable() { output.append("]}") }
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
