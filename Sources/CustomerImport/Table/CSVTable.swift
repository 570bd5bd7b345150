import CSV
import Foundation

/// Reads CSV (RFC 4180: commas, double quotes, CRLF or LF) in UTF-8 with or without a BOM,
/// through yaslab's CSV.swift, and numbers each row with the line it starts on.
enum CSVTable {
    static func read(_ data: [UInt8], fileName: String) throws -> ImportTable {
        guard !data.isEmpty else { throw ImportFileError(file: fileName, problem: "the file is empty") }
        // CSV.swift reads UTF-8 and skips a BOM, but decodes bad bytes leniently; refuse them here so
        // nothing is imported with replacement characters in place of Vietnamese letters.
        if let offset = firstInvalidUTF8(data) {
            let line = data[..<offset].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw ImportFileError(file: fileName, problem: "line \(line): not UTF-8 text (save the file as \"CSV UTF-8\")")
        }
        let reader = try CSVReader(stream: InputStream(data: Data(data)), hasHeaderRow: false)
        var line = 1
        var builder = ImportTableBuilder()
        while let fields = reader.next() {
            builder.add(line: line, cells: fields.map(ImportCell.text))
            // A quoted field may span lines; the next row starts after them.
            line += 1 + fields.reduce(0) { $0 + lineBreaks(in: $1) }
        }
        if let error = reader.error {
            throw ImportFileError(file: fileName, problem: "cannot read CSV near line \(line): \(error)")
        }
        return try builder.table(fileName: fileName, noHeader: "line 1: no header row")
    }

    /// Line breaks inside a field: CRLF, LF and a lone CR each count once.
    private static func lineBreaks(in field: String) -> Int {
        var count = 0
        var previous: Unicode.Scalar?
        for scalar in field.unicodeScalars {
            if scalar == "\n" { if previous != "\r" { count += 1 } } else if scalar == "\r" { count += 1 }
            previous = scalar
        }
        return count
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil.
    private static func firstInvalidUTF8(_ data: [UInt8]) -> Int? {
        var offset = 0
        var iterator = data.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}
