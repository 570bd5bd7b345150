import Foundation
import CRMCore
import LuaRuntime

/// A job's payload as text in the database, and back, exactly: integers stay integers, floats
/// keep every bit, keys keep their type (plugin-api.md section 4: "it comes back exactly").
///
/// The text is JSON in which a table is an array of its keys and values in turn
/// (`["customer",37,"tried",[1,"an"]]`), a string, integer or boolean is itself, and a float is
/// `{"n":<its bits>}` (an object is never a table, so nothing else can be mistaken for one).
/// Payloads written before it, with every value tagged (`{"t":[{"k":{"s":"customer"},"v":{"i":37}}]}`,
/// three times the bytes on a job row), are still read: their values are all objects, which
/// this layout uses for floats only, in the same `{"n":…}` shape.
enum JobPayload {
    /// The most bytes a payload may take once stored: a job row is read at every run and retry,
    /// and its payload decoded inside the handler's budget, so what a plugin may leave for later
    /// is bounded like what it may hold now. Text stored before the bound (or in the old layout,
    /// three times the bytes) is still read up to `maximumStoredBytes`.
    static let maximumBytes = 64 * 1024
    static let maximumStoredBytes = 4 * maximumBytes

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

    /// Writes the JSON by hand (Foundation's encoder was a tenth of an import's time). A table's
    /// entries are written in the order they are walked: the text is not canonical, only decoded
    /// back.
    private struct Writer: LuaValueVisitor {
        let function: String
        var output = JSONWriting(capacity: 64)

        init(function: String) { self.function = function }

        mutating func visitNil() throws { try visit(other: "nil") }
        mutating func visit(boolean: Bool) { output.append(boolean ? "true" : "false") }
        mutating func visit(integer: Int64) { output.append(integer) }
        mutating func visit(number: Double) {
            output.append("{\"n\":")
            output.appendRaw(String(number.bitPattern))
            output.append("}")
        }
        mutating func visit(string: UnsafeRawBufferPointer) throws {
            guard string.count <= JobPayload.maximumBytes else { throw tooLarge }
            output.appendString(utf8: string)
            try checkSize()
        }
        /// Checked as the text grows, so a payload far over the bound is refused without writing it all.
        private func checkSize() throws { if output.byteCount > JobPayload.maximumBytes { throw tooLarge } }
        private var tooLarge: BindingError {
            BindingError("\(function): the payload takes more than \(JobPayload.maximumBytes) bytes once stored; keep ids in it and read the rest when the job runs")
        }
        func visit(other typeName: String) throws {
            throw BindingError("\(function): a payload holds strings, numbers, booleans and tables, not a \(typeName) value")
        }
        mutating func beginTable() { output.append("[") }
        mutating func beginKey(index: Int) { if index > 0 { output.append(",") } }
        mutating func beginValue() { output.append(",") }
        mutating func endEntry() {}
        mutating func endTable() throws {
            output.append("]")
            try checkSize()
        }
    }

    /// The payload table stored as `text` (`JobPayloadParser`).
    static func decode(_ text: String) throws -> LuaValue {
        guard text.utf8.count <= maximumStoredBytes else {
            throw BindingError("the job's payload takes \(text.utf8.count) bytes, more than the \(maximumStoredBytes) a payload may")
        }
        return try JobPayloadParser.parse(text)
    }
}
