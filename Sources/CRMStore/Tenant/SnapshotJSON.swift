import CRMCore

/// Snapshots as JSON text, written by hand: every change is audited with its snapshot, and
/// Foundation's encoder made that a tenth of an import's time. The output is plain JSON with
/// sorted keys, read back by `JSONText.decode` like any other.
enum SnapshotJSON {
    struct NotFinite: Error, CustomStringConvertible {
        let key: String
        var description: String { "the snapshot's \(key) is not a finite number" }
    }

    static func text(_ object: [String: SnapshotValue]) throws -> String {
        var output = ""
        output.reserveCapacity(256)
        try write(.object(object), key: "", into: &output)
        return output
    }

    private static func write(_ value: SnapshotValue, key: String, into output: inout String) throws {
        switch value {
        case .string(let text): writeString(text, into: &output)
        case .integer(let number): output += String(number)
        case .double(let number):
            guard number.isFinite else { throw NotFinite(key: key) }
            output += number.description
        case .bool(let flag): output += flag ? "true" : "false"
        case .array(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                try write(item, key: key, into: &output)
            }
            output += "]"
        case .object(let fields):
            output += "{"
            for (index, name) in fields.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                writeString(name, into: &output)
                output += ":"
                try write(fields[name]!, key: name, into: &output)
            }
            output += "}"
        }
    }

    private static func writeString(_ text: String, into output: inout String) {
        output += "\""
        // Most text needs no escaping at all: copy it whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output += text
        } else {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": output += "\\\""
                case "\\": output += "\\\\"
                case "\n": output += "\\n"
                case "\r": output += "\\r"
                case "\t": output += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
