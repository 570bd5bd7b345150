import Foundation
import Testing
@testable import CRMCore

/// The fast paths of `TextRules.normalize` must agree with Foundation's NFC and trimming, which
/// they skip only when those would change nothing.
@Suite("Text rules")
struct TextRulesTests {
    @Test("normalize agrees with Foundation's NFC and trimming", arguments: [
        "Đã liên hệ", "Đa\u{0303} lie\u{0302}n he\u{0323}\u{0302}", "  Nguyễn Gia Khương ", "\tKhách\n", "\u{00A0}Mới\u{2003}",
        "\u{2028}x", "plain", "", "   ", "a\u{0301}", "ﬁ ligature", "한국어", "\u{1100}\u{1161}", "Å", "A\u{030A}", "\u{212B}",
        "Ω \u{2126}", "x\u{0085}", "Ứng Dụng Ưu Đãi", "ở đây", "\u{1E9B}\u{0323}",
    ])
    func normalizeAgreesWithFoundation(_ text: String) {
        let reference = text.precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespacesAndNewlines)
        let normalized = TextRules.normalize(text)
        #expect(Array(normalized.unicodeScalars) == Array(reference.unicodeScalars))
    }

    @Test("phones: digits, spaces and + - . ( ), at least three digits", arguments: [
        ("0901 234 567", true), ("+84 (90) 123-45.67", true), ("12", false), ("09O1234567", false), ("٠١٢٣٤", false), ("090１234", false),
    ])
    func phones(_ text: String, _ valid: Bool) {
        #expect(((try? TextRules.phone(text)) != nil) == valid)
    }

    @Test("e-mail addresses: one @ with text on both sides, a dot inside the domain, no spaces", arguments: [
        ("khuong@example.vn", true), ("khương@ví-dụ.vn", true), ("a@b.c", true), ("@example.vn", false), ("a@example", false),
        ("a@.example.vn", false), ("a@example.vn.", false), ("a@@example.vn", false), ("a@b@example.vn", false),
        ("khuong @example.vn", false), ("khuong", false),
    ])
    func emails(_ text: String, _ valid: Bool) {
        #expect(((try? TextRules.email(text)) != nil) == valid)
    }

    @Test("lengths count bytes of UTF-8, not characters")
    func lengths() throws {
        // "ệ" is three bytes: 66 of them fit in 200, 67 do not.
        #expect(try TextRules.required(String(repeating: "ệ", count: 66), field: "name", max: 200).count == 66)
        #expect(throws: CRMError.invalid(field: "name", reason: "must be at most 200 bytes of UTF-8 (got 201)")) {
            try TextRules.required(String(repeating: "ệ", count: 67), field: "name", max: 200)
        }
        #expect(throws: CRMError.invalid(field: "name", reason: "must be at most 200 bytes of UTF-8 (got 201)")) {
            try TextRules.required(String(repeating: "a", count: 201), field: "name", max: 200)
        }
        // One character of 200,001 bytes ("e" and 100,000 combining accents) is refused too, as given.
        let oneCharacter = "e" + String(repeating: "\u{301}", count: 100_000)
        #expect(oneCharacter.count == 1)
        #expect(throws: CRMError.invalid(field: "name", reason: "must be at most 200 bytes of UTF-8 (got 200001)")) {
            try TextRules.required(oneCharacter, field: "name", max: 200)
        }
    }

    @Test("a text far over its limit is refused before it is normalized")
    func hugeTextsAreRefusedFirst() throws {
        let huge = String(repeating: "e\u{301}", count: 3_000_000)   // 9 MB, NFC would take seconds
        let started = ContinuousClock.now
        #expect(throws: CRMError.invalid(field: "name", reason: "must be at most 200 bytes of UTF-8 (got 9000000)")) {
            try TextRules.required(huge, field: "name", max: 200)
        }
        #expect(throws: CRMError.self) { try TextRules.optional(huge, field: "source", max: 100) }
        #expect(ContinuousClock.now - started < .milliseconds(500))
        // Surrounding white space is not counted: a short name padded with spaces is kept.
        #expect(try TextRules.required("An" + String(repeating: " ", count: 5_000), field: "name", max: 200) == "An")
        // Up to four times the limit is normalized first: 600 bytes that compose to 400 fit in 400.
        #expect(try TextRules.required(String(repeating: "e\u{301}", count: 200), field: "name", max: 400).utf8.count == 400)
    }

    @Test("cutting to a byte length ends on a character boundary",
          arguments: [("abc", 2, "ab"), ("aệb", 2, "a"), ("aệb", 3, "a"), ("aệb", 4, "aệ"), ("ệ", 0, ""), ("xyz", 10, "xyz")])
    func cuts(_ text: String, _ bytes: Int, _ expected: String) {
        #expect(text.prefix(utf8Bytes: bytes) == expected)
    }
}
