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

    @Test("a table is its keys and values in turn, floats alone are objects")
    func compactLayout() throws {
        // One entry per table: a table's entries are written in the order they are walked.
        let text = try JobPayload.encode(LuaTable([.string("tried"): .table(LuaTable(array: [.string("an")]))]), function: "crm.schedule")
        #expect(text == #"["tried",[1,"an"]]"#)
        #expect(try JobPayload.encode(LuaTable([.integer(-3): .number(0.5)]), function: "crm.schedule")
                == #"[-3,{"n":\#(0.5.bitPattern)}]"#)
    }

    @Test("payloads stored in the earlier tagged layout still come back exactly")
    func earlierLayout() throws {
        let stored = #"{"t":[{"k":{"s":"customer"},"v":{"i":37}},{"k":{"s":"owner"},"v":{"s":"binh"}},"#
            + #"{"k":{"s":"tried"},"v":{"t":[{"k":{"i":1},"v":{"s":"binh"}}]}},{"k":{"b":true},"v":{"n":4602678819172646912}}]}"#
        #expect(try JobPayload.decode(stored) == .table(LuaTable([
            .string("customer"): .integer(37), .string("owner"): .string("binh"),
            .string("tried"): .table(LuaTable(array: [.string("binh")])), .boolean(true): .number(0.5),
        ])))
    }

    @Test("a stored payload that is cut short or not JSON is refused")
    func refusesDamagedText() {
        let nanBits = Double.nan.bitPattern
        for damaged in [#"["customer",37,"owner"]"#, #"["customer",37"#, "", #"{"x":1}"#, "[1,2]x", #"["\ud800",1]"#,
                        "[{\"n\":\(nanBits)},1]", "{\"t\":[{\"k\":{\"n\":\(nanBits)},\"v\":{\"i\":1}}]}", "[99999999999999999999,1]"] {
            #expect(throws: (any Error).self, "\(damaged)") { try JobPayload.decode(damaged) }
        }
    }

    @Test("what cannot be stored is refused, naming the function")
    func refusesFunctions() {
        let error = #expect(throws: BindingError.self) {
            try JobPayload.encode(LuaTable([.string("f"): .opaque(typeName: "function")]), function: "crm.schedule")
        }
        #expect(error?.description.hasPrefix("crm.schedule: a payload holds strings") == true, "\(String(describing: error))")
    }
}
