/// A sheet of customer rows read from an uploaded file: the header row and the data rows, each
/// with the line (CSV) or row number (`.xlsx`) it came from, so every report can point at it.
///
/// ```swift
/// let table = try ImportTable.read(data, fileName: "khach-hang.csv")
/// print(table.header)          // ["Mã khách hàng", "Tên khách hàng", ...]
/// print(table.rows[0].line)    // 2
/// ```
public struct ImportTable: Sendable, Equatable {
    /// The header cells as written in the file (trimmed).
    public var header: [String]
    /// The data rows; rows whose cells are all empty are left out.
    public var rows: [ImportRow]

    public init(header: [String], rows: [ImportRow]) {
        self.header = header
        self.rows = rows
    }

    /// Reads a CSV or `.xlsx` file, told apart by its first bytes (an `.xlsx` file is a ZIP archive).
    /// `fileName` only names the file in error messages.
    public static func read(_ data: [UInt8], fileName: String) throws -> ImportTable {
        if XLSXTable.looksLikeZIP(data) { return try XLSXTable.read(data, fileName: fileName) }
        return try CSVTable.read(data, fileName: fileName)
    }
}

/// Builds a table row by row, as both readers do: the first row is the header (trimmed), rows
/// whose cells are all blank are left out, and a file without a named header is refused.
struct ImportTableBuilder {
    private var header: [String]?
    private var rows: [ImportRow] = []

    mutating func add(line: Int, cells: [ImportCell]) {
        guard header != nil else {
            header = cells.map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }
            return
        }
        if !cells.allSatisfy(\.isBlank) { rows.append(ImportRow(line: line, cells: cells)) }
    }

    /// The table, or `noHeader` as the file's problem when no header cell is named.
    func table(fileName: String, noHeader: String) throws -> ImportTable {
        guard let header, header.contains(where: { !$0.isEmpty }) else { throw ImportFileError(file: fileName, problem: noHeader) }
        return ImportTable(header: header, rows: rows)
    }
}

/// One data row of an uploaded file.
public struct ImportRow: Sendable, Equatable {
    /// The line of the file (CSV) or the sheet's row number (`.xlsx`) where the row starts.
    public var line: Int
    public var cells: [ImportCell]

    public init(line: Int, cells: [ImportCell]) {
        self.line = line
        self.cells = cells
    }
}

/// One cell: CSV cells are always text; `.xlsx` cells keep their number and boolean types.
public enum ImportCell: Sendable, Equatable {
    case text(String)
    /// A number as the sheet stores it (such as `"84912345678"` or `"1.5"`), kept as text so that
    /// long digit strings (phone numbers, codes) lose nothing.
    case number(String)
    case bool(Bool)

    /// The cell as text: numbers without a needless `.0`, booleans as `TRUE`/`FALSE` (as Excel shows them).
    public var text: String {
        switch self {
        case .text(let text): return text
        case .bool(let value): return value ? "TRUE" : "FALSE"
        case .number(let raw):
            if Int64(raw) != nil { return raw }
            if let value = Double(raw), value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
            return raw
        }
    }

    /// Whether the cell holds nothing but white space.
    public var isBlank: Bool {
        if case .text(let text) = self { return text.allSatisfy(\.isWhitespace) }
        return false
    }
}

/// Why a whole file could not be read or mapped (bad rows are reported one by one instead).
public struct ImportFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file's name as given.
    public var file: String
    public var problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
