/// Reads CSV (RFC 4180: commas, double quotes, CRLF, LF or a lone CR) in UTF-8 with or without a
/// BOM, and numbers each row with the line it starts on.
///
/// Parsed here on the bytes rather than through a CSV package: the one used before (CSV.swift)
/// decodes scalar by scalar and appended each to its field, a ninth of a bare import's time,
/// and let a never-closed quote swallow the rest of the file into one cell silently.
enum CSVTable {
    static func read(_ data: [UInt8], fileName: String) throws -> ImportTable {
        guard !data.isEmpty else { throw ImportFileError(file: fileName, problem: "the file is empty") }
        // Refused whole: nothing is imported with replacement characters in place of Vietnamese letters.
        if let offset = firstInvalidUTF8(data) {
            let line = data[..<offset].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw ImportFileError(file: fileName, problem: "line \(line): not UTF-8 text (save the file as \"CSV UTF-8\")")
        }
        var builder = ImportTableBuilder()
        var reader = CSVRowReader(data)
        do {
            while let (line, fields) = try reader.nextRow() {
                builder.add(line: line, cells: fields.map(ImportCell.text))
            }
        } catch let error as CSVRowReader.UnclosedQuote {
            throw ImportFileError(file: fileName, problem: "line \(error.line): a quoted field starts here and is never closed")
        }
        return try builder.table(fileName: fileName, noHeader: "line 1: no header row")
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

/// The rows of CSV bytes (valid UTF-8), each with the line it starts on. A field is quoted when it
/// starts with `"`: it then runs to the next lone `"` (`""` is one quote) and may span lines;
/// text after its closing quote is kept, as spreadsheets do. A quote inside an unquoted field is
/// an ordinary character. CRLF, LF and a lone CR each end a row (and count as one line).
struct CSVRowReader {
    struct UnclosedQuote: Error {
        let line: Int
    }

    private let bytes: [UInt8]
    private var position: Int
    private var line = 1

    private static let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0   // a BOM is not part of the first header
    }

    /// The next row and the line it starts on, or nil at the end of the input.
    mutating func nextRow() throws -> (line: Int, fields: [String])? {
        guard position < bytes.count else { return nil }
        let start = line
        var fields: [String] = []
        while true {
            let (field, endsRow) = try nextField()
            fields.append(field)
            if endsRow { return (start, fields) }
        }
    }

    /// The next field, and whether a line break or the end of the input ends the row after it.
    private mutating func nextField() throws -> (String, Bool) {
        var text: [UInt8] = []
        var fieldStart = position
        if position < bytes.count, bytes[position] == Self.quote {
            let opened = line
            position += 1
            fieldStart = position
            while true {
                guard position < bytes.count else { throw UnclosedQuote(line: opened) }
                let byte = bytes[position]
                if byte == Self.quote {
                    text += bytes[fieldStart..<position]
                    position += 1
                    guard position < bytes.count, bytes[position] == Self.quote else { break }
                    fieldStart = position   // "" stands for one quote: the second starts the next run
                    position += 1
                } else {
                    countLineBreak(at: position)
                    position += 1
                }
            }
            fieldStart = position   // text after the closing quote, up to the delimiter
        }
        while position < bytes.count {
            let byte = bytes[position]
            if byte == Self.comma || byte == Self.cr || byte == Self.lf { break }
            position += 1
        }
        let field: String
        if text.isEmpty {
            field = String(decoding: bytes[fieldStart..<position], as: UTF8.self)
        } else {
            text += bytes[fieldStart..<position]
            field = String(decoding: text, as: UTF8.self)
        }
        guard position < bytes.count else { return (field, true) }
        let delimiter = bytes[position]
        position += 1
        if delimiter == Self.comma { return (field, false) }
        if delimiter == Self.cr, position < bytes.count, bytes[position] == Self.lf { position += 1 }
        line += 1
        return (field, true)
    }

    /// Counts a line break inside a quoted field: CRLF counts once, at its LF.
    private mutating func countLineBreak(at index: Int) {
        switch bytes[index] {
        case Self.lf: line += 1
        case Self.cr where index + 1 >= bytes.count || bytes[index + 1] != Self.lf: line += 1
        default: break
        }
    }
}
