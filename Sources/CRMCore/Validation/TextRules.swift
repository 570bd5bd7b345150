import Foundation

/// The rules every text value passes through on its way in: NFC, trimmed, bounded, and
/// empty meaning absent (never stored as an empty string).
enum TextRules {
    /// Unicode NFC with surrounding white space removed, so "Đã liên hệ" typed in any
    /// normalisation form is stored, compared and returned as the same bytes.
    static func normalize(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A required text: not empty after trimming, at most `max` characters.
    static func required(_ text: String, field: String, max: Int) throws -> String {
        let value = normalize(text)
        guard !value.isEmpty else { throw CRMError.invalid(field: field, reason: "must not be empty") }
        try checkLength(value, field: field, max: max)
        try checkNoControlCharacters(value, field: field)
        return value
    }

    /// An optional text: empty becomes nil; otherwise at most `max` characters.
    static func optional(_ text: String?, field: String, max: Int) throws -> String? {
        guard let text else { return nil }
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
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
              !parts[1].hasSuffix("."), !value.contains(" ") else {
            throw CRMError.invalid(field: "email", reason: "\"\(value)\" is not an e-mail address")
        }
        return value
    }

    /// A phone number: digits, spaces and `+ - . ( )`, with at least 3 digits.
    static func phone(_ text: String?) throws -> String? {
        guard let value = try optional(text, field: "phone", max: 32) else { return nil }
        let allowed = CharacterSet(charactersIn: "0123456789 +-.()")
        guard value.unicodeScalars.allSatisfy(allowed.contains),
              value.filter(\.isNumber).count >= 3 else {
            throw CRMError.invalid(field: "phone", reason: "\"\(value)\" is not a phone number")
        }
        return value
    }

    /// A `#RRGGBB` color.
    static func color(_ text: String) throws -> String {
        let value = normalize(text).uppercased()
        let hex = CharacterSet(charactersIn: "0123456789ABCDEF")
        guard value.count == 7, value.hasPrefix("#"), value.dropFirst().unicodeScalars.allSatisfy(hex.contains) else {
            throw CRMError.invalid(field: "color", reason: "must be a #RRGGBB color (got \"\(text)\")")
        }
        return value
    }

    private static func checkLength(_ value: String, field: String, max: Int) throws {
        guard value.count <= max else {
            throw CRMError.invalid(field: field, reason: "must be at most \(max) characters (got \(value.count))")
        }
    }

    private static func checkNoControlCharacters(_ value: String, field: String) throws {
        guard !value.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) && $0 != "\n" }) else {
            throw CRMError.invalid(field: field, reason: "must not contain control characters")
        }
    }
}
