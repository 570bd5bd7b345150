/// Hand-written JSON for the hot paths (audit snapshots, job payloads) where Foundation's encoder
/// cost more than the database write it fed. Written as UTF-8 bytes: appending to a `String`
/// piece by piece was half of what was left of a snapshot's cost.
///
/// ```swift
/// var json = JSONWriting()
/// json.append("{")
/// json.appendString("Nguyễn \"Gia\" Khương")
/// json.append("}")
/// json.text   // {"Nguyễn \"Gia\" Khương"}
/// ```
///
/// The appends are `@inlinable`: a job's payload is written piece by piece from another module
/// (the plugin host's table walk), and a call per two-byte piece cost more than the bytes.
public struct JSONWriting {
    @usableFromInline var bytes: [UInt8] = []
    @usableFromInline static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// The JSON written so far.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// How many bytes have been written.
    public var byteCount: Int { bytes.count }

    /// The UTF-8 bytes written so far, without making a `String` of them (valid UTF-8: every
    /// string went in from a Swift string, everything else is ASCII).
    public func withUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer(body)
    }

    /// Appends `piece` as it is (punctuation, keys known to need no escaping).
    @inlinable
    public mutating func append(_ piece: StaticString) {
        // Byte by byte: pieces are a few bytes long, and `append(contentsOf:)`'s own checks cost
        // more than copying them (a twentieth of writing a job's payload).
        piece.withUTF8Buffer { buffer in
            for byte in buffer { bytes.append(byte) }
        }
    }

    /// Appends a whole number.
    @inlinable
    public mutating func append(_ number: Int64) { bytes.append(contentsOf: String(number).utf8) }

    /// Appends text as it is, unquoted (a number's description).
    public mutating func appendRaw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// Appends `text` as a JSON string literal: quotes, backslashes and control characters escaped,
    /// everything else (all of Unicode, "/" too) as it is.
    public mutating func appendString(_ text: String) {
        var text = text
        text.withUTF8 { appendString(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// Appends UTF-8 `bytes` as a JSON string literal, escaped as `appendString(_:)` escapes.
    @inlinable
    public mutating func appendString(utf8 text: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case ..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0x0F)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
