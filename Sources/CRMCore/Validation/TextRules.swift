import Foundation

/// The rules every text value passes through on its way in: NFC, trimmed, bounded, and
/// empty meaning absent (never stored as an empty string).
enum TextRules {
    /// Unicode NFC with surrounding white space removed, so "Đã liên hệ" typed in any
    /// normalisation form is stored, compared and returned as the same bytes.
    static func normalize(_ text: String) -> String {
        // Foundation's NFC and trimming are slow on Linux, and most text needs neither: an import
        // passes every cell of every row through here.
        (isComposed(text) ? text : text.precomposedStringWithCanonicalMapping).whitespaceTrimmed
    }

    /// Whether `text` is certainly NFC already: every scalar is below U+0300 (no combining marks)
    /// or one of Vietnamese's precomposed letters (U+1EA0–U+1EF9), which NFC produces itself.
    static func isComposed(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.value < 0x300 || (0x1EA0...0x1EF9).contains($0.value) }
    }

    /// A required text: not empty after trimming, at most `max` bytes of UTF-8.
    static func required(_ text: String, field: String, max: Int) throws -> String {
        try checkRawLength(text, field: field, max: max)
        let value = normalize(text)
        guard !value.isEmpty else { throw CRMError.invalid(field: field, reason: "must not be empty") }
        try checkLength(value, field: field, max: max)
        try checkNoControlCharacters(value, field: field)
        return value
    }

    /// An optional text: empty becomes nil; otherwise at most `max` bytes of UTF-8.
    static func optional(_ text: String?, field: String, max: Int) throws -> String? {
        guard let text else { return nil }
        try checkRawLength(text, field: field, max: max)
        let value = normalize(text)
        if value.isEmpty { return nil }
        try checkLength(value, field: field, max: max)
        try checkNoControlCharacters(value, field: field)
        return value
    }

    /// A code (customer or order): 1–32 characters, no white space.
    static func code(_ text: String, field: String = "code") throws -> String {
        let value = try required(text, field: field, max: 32)
        guard !value.unicodeScalars.contains(where: { CharacterSet.whitespacesAndNewlines.contains($0) }) else {
            throw CRMError.invalid(field: field, reason: "must not contain spaces (got \"\(value)\")")
        }
        return value
    }

    /// A login: 1–64 of `A-Z a-z 0-9 . _ -`.
    static func login(_ text: String, field: String = "login") throws -> String {
        let value = try required(text, field: field, max: 64)
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard value.unicodeScalars.allSatisfy(allowed.contains) else {
            throw CRMError.invalid(field: field, reason: "may contain only letters, digits, '.', '_' and '-' (got \"\(value)\")")
        }
        return value
    }

    /// An e-mail address: one `@` with text on both sides and a dot in the domain, no spaces.
    static func email(_ text: String?) throws -> String? {
        guard let value = try optional(text, field: "email", max: 254) else { return nil }
        // On the bytes: String's split and contains compare whole characters, slowly.
        let bytes = Array(value.utf8)
        let at = bytes.firstIndex(of: UInt8(ascii: "@"))
        let domain = at.map { bytes[($0 + 1)...] } ?? []
        guard let at, at > 0, !domain.contains(UInt8(ascii: "@")), domain.contains(UInt8(ascii: ".")),
              domain.first != UInt8(ascii: "."), domain.last != UInt8(ascii: "."),
              !bytes.contains(UInt8(ascii: " ")) else {
            throw CRMError.invalid(field: "email", reason: "\"\(value)\" is not an e-mail address")
        }
        return value
    }

    /// A phone number: digits, spaces and `+ - . ( )`, with at least 3 digits.
    static func phone(_ text: String?) throws -> String? {
        guard let value = try optional(text, field: "phone", max: 32) else { return nil }
        let digits = value.utf8.count { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard value.utf8.allSatisfy({ Self.phoneBytes.contains($0) }), digits >= 3 else {
            throw CRMError.invalid(field: "phone", reason: "\"\(value)\" is not a phone number")
        }
        return value
    }

    private static let phoneBytes = Set("0123456789 +-.()".utf8)

    /// A `#RRGGBB` color.
    static func color(_ text: String) throws -> String {
        let value = normalize(text).uppercased()
        let hex = CharacterSet(charactersIn: "0123456789ABCDEF")
        guard value.count == 7, value.hasPrefix("#"), value.dropFirst().unicodeScalars.allSatisfy(hex.contains) else {
            throw CRMError.invalid(field: "color", reason: "must be a #RRGGBB color (got \"\(text)\")")
        }
        return value
    }

    /// NFC never makes a text shorter than a quarter of its bytes (composing a decomposed
    /// Hangul syllable, the most it shrinks, takes 9 bytes to 3), so a text over four times the
    /// limit is refused before normalizing it: normalizing a 100 MB text a plugin passed would take
    /// longer than its whole budget.
    static func checkRawLength(_ value: String, field: String, max: Int) throws {
        let utf8 = value.utf8
        guard utf8.count > 4 * max else { return }
        // Surrounding white space is trimmed before storing: not counted here either.
        let isSpace = { (byte: UInt8) in byte == 0x20 || (0x09...0x0D).contains(byte) }
        let leading = utf8.prefix(while: isSpace).count
        let trailing = leading == utf8.count ? 0 : utf8.reversed().prefix(while: isSpace).count
        let bytes = utf8.count - leading - trailing
        guard bytes > 4 * max else { return }
        throw CRMError.invalid(field: field, reason: "must be at most \(max) bytes of UTF-8 (got \(bytes))")
    }

    /// Limits are bytes, never characters: "e" followed by a million combining accents is one
    /// character, and it would be stored, and pushed into every plugin on every event, whole.
    static func checkLength(_ value: String, field: String, max: Int) throws {
        let bytes = value.utf8.count
        guard bytes > max else { return }
        throw CRMError.invalid(field: field, reason: "must be at most \(max) bytes of UTF-8 (got \(bytes))")
    }

    private static func checkNoControlCharacters(_ value: String, field: String) throws {
        let isControl = { (scalar: Unicode.Scalar) in
            // Printable ASCII is the common case; the character set is slow to ask.
            (0x20..<0x7F).contains(scalar.value) ? false : CharacterSet.controlCharacters.contains(scalar) && scalar != "\n"
        }
        guard !value.unicodeScalars.contains(where: isControl) else {
            throw CRMError.invalid(field: field, reason: "must not contain control characters")
        }
    }
}

extension String {
    /// The text without surrounding white space and newlines, as Foundation's
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` gives it. That is slow on Linux and
    /// most text (every cell of an import) has nothing to trim, so it is asked only when an end
    /// is white space.
    public var whitespaceTrimmed: String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last,
              Self.isWhitespace(first) || Self.isWhitespace(last) else { return self }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar == " " || (0x09...0x0D).contains(scalar.value) }
        return CharacterSet.whitespacesAndNewlines.contains(scalar)
    }
}

extension String {
    /// The longest prefix of at most `maximum` bytes of UTF-8 that ends on a character (Unicode
    /// scalar) boundary, so cutting never leaves half a character behind.
    public func prefix(utf8Bytes maximum: Int) -> String {
        let utf8 = self.utf8
        guard utf8.count > maximum else { return self }
        var end = utf8.index(utf8.startIndex, offsetBy: Swift.max(0, maximum))
        // Back off continuation bytes (10xxxxxx) to the start of the character the cut falls in.
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        return String(utf8[..<end]) ?? ""
    }
}
