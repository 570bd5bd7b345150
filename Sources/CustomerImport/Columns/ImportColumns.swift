import CRMCore

/// Where each customer field and each custom field sits in a file's rows, decided once from the
/// header: known names map to customer fields, every other named column becomes a custom field.
struct ImportColumns {
    private(set) var known: [CustomerColumn: Int] = [:]
    private(set) var custom: [(name: String, index: Int)] = []
    let width: Int

    /// The longest custom field name the CRM accepts.
    static let maxFieldName = 64

    /// `requireName`: without override every imported row creates a customer, so a file without a
    /// name column cannot import anything; an overriding file may update other columns only.
    init(header: [String], fileName: String, requireName: Bool = true) throws {
        width = header.count
        var seenCustom: [String: Int] = [:]
        for (index, title) in header.enumerated() {
            let name = title.trimmingCharacters(in: .whitespacesAndNewlines)
            if name.isEmpty { continue }   // an unnamed column (often a trailing comma) carries nothing
            if let column = CustomerColumn.named(name) {
                if let earlier = known[column] {
                    throw ImportFileError(file: fileName, problem: "line 1: columns \(earlier + 1) (\"\(header[earlier])\") and \(index + 1) (\"\(name)\") both mean \(column.rawValue)")
                }
                known[column] = index
            } else {
                guard name.count <= Self.maxFieldName else {
                    throw ImportFileError(file: fileName, problem: "line 1: column \(index + 1) name \"\(name.prefix(20))...\" is longer than \(Self.maxFieldName) characters")
                }
                if let earlier = seenCustom[name] {
                    throw ImportFileError(file: fileName, problem: "line 1: columns \(earlier + 1) and \(index + 1) are both named \"\(name)\"")
                }
                seenCustom[name] = index
                custom.append((name, index))
            }
        }
        guard known[.name] != nil || !requireName else {
            throw ImportFileError(file: fileName, problem: "line 1: no name column (call one \"name\" or \"Tên khách hàng\")")
        }
        guard known[.name] != nil || known[.code] != nil else {
            throw ImportFileError(file: fileName, problem: "line 1: neither a name nor a code column: nothing to import or override")
        }
    }

    /// The trimmed text of `column` in `row`, or nil when the file lacks the column or the cell is blank.
    func text(_ column: CustomerColumn, in row: ImportRow) -> String? {
        guard let index = known[column], index < row.cells.count else { return nil }
        let text = row.cells[index].text.whitespaceTrimmed
        return text.isEmpty ? nil : text
    }

    /// The row's non-blank custom fields, typed as the file typed them (CSV cells are text).
    func fields(in row: ImportRow) -> [String: FieldValue] {
        var result: [String: FieldValue] = [:]
        for (name, index) in custom where index < row.cells.count && !row.cells[index].isBlank {
            switch row.cells[index] {
            case .text(let text): result[name] = .string(text.whitespaceTrimmed)
            case .bool(let value): result[name] = .bool(value)
            case .number(let raw):
                if let integer = Int64(ImportCell.number(raw).text) { result[name] = .integer(integer) }
                else if let double = Double(raw) { result[name] = .double(double) }
                else { result[name] = .string(raw) }
            }
        }
        return result
    }
}
