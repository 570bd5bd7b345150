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
        case .string(let text): JSONWriting.appendString(text, to: &output)
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
                JSONWriting.appendString(name, to: &output)
                output += ":"
                try write(fields[name]!, key: name, into: &output)
            }
            output += "}"
        }
    }
}
