/// Pieces of hand-written JSON for the hot paths (audit snapshots, job payloads) where
/// Foundation's encoder cost more than the database write it fed.
public enum JSONWriting {
    /// Appends `text` as a JSON string literal: quotes, backslashes and control characters escaped,
    /// everything else (all of Unicode, "/" too) as it is.
    public static func appendString(_ text: String, to output: inout String) {
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
