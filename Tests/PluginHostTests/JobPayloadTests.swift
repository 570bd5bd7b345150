import LuaRuntime
import Testing
@testable import PluginHost

/// Job payloads are written as JSON by hand and read back by a decoder: what a plugin scheduled
/// must come back exactly (plugin-api.md section 4).
@Suite("Job payloads")
struct JobPayloadTests {
    @Test("every kind of value comes back exactly, nested, with keys of every kind")
    func roundTrip() throws {
        let payload = LuaTable([
            .string("text"): .string("Nguyễn \"Gia\" \\ Khương\n\t\u{01}/🛒"),
            .string(""): .string(""),
            .integer(1): .integer(Int64.min), .integer(-7): .integer(Int64.max),
            .number(0.5): .number(-0.0), .string("third"): .number(1.0 / 3.0), .string("tiny"): .number(5e-324),
            .boolean(true): .boolean(false),
            .string("nested"): .table(LuaTable([.string("list"): .table(LuaTable(array: [.integer(1), .string("hai"), .number(3.5)])),
                                                .string("empty"): .table(LuaTable())])),
        ])
        let text = try JobPayload.encode(payload, function: "crm.schedule")
        #expect(try JobPayload.decode(text) == .table(payload))
    }

    @Test("what cannot be stored is refused, naming the function")
    func refusesFunctions() {
        let error = #expect(throws: BindingError.self) {
            try JobPayload.encode(LuaTable([.string("f"): .opaque(typeName: "function")]), function: "crm.schedule")
        }
        #expect(error?.description.hasPrefix("crm.schedule: a payload holds strings") == true, "\(String(describing: error))")
    }
}
