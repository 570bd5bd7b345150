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
        var output = JSONWriting(capacity: 512)
        try write(.object(object), key: "", into: &output)
        return output.text
    }

    private static func write(_ value: SnapshotValue, key: String, into output: inout JSONWriting) throws {
        switch value {
        case .string(let text): output.appendString(text)
        case .integer(let number): output.append(number)
        case .double(let number):
            guard number.isFinite else { throw NotFinite(key: key) }
            output.appendRaw(number.description)
        case .bool(let flag): output.append(flag ? "true" : "false")
        case .array(let items):
            output.append("[")
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(",") }
                try write(item, key: key, into: &output)
            }
            output.append("]")
        case .object(let fields):
            output.append("{")
            for (index, field) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { output.append(",") }
                output.appendString(field.key)
                output.append(":")
                try write(field.value, key: field.key, into: &output)
            }
            output.append("}")
        }
    }
}
