import Foundation
import XMLCoder
import ZIPFoundation

/// Reads the first sheet of an Excel `.xlsx` workbook: the archive through ZIPFoundation, its XML
/// parts (workbook, relationships, shared strings, the sheet) through XMLCoder. Cells keep their
/// types (text, number, boolean); formulas give their cached value.
enum XLSXTable {
    /// The most a single part may take once unpacked: a guard against ZIP bombs.
    static let maxPartBytes: UInt64 = 256 << 20

    static func looksLikeZIP(_ data: [UInt8]) -> Bool {
        data.count >= 4 && data[0] == 0x50 && data[1] == 0x4B && data[2] == 0x03 && data[3] == 0x04
    }

    static func read(_ data: [UInt8], fileName: String) throws -> ImportTable {
        let archive: Archive
        do { archive = try Archive(data: Data(data), accessMode: .read) } catch {
            throw ImportFileError(file: fileName, problem: "not a readable .xlsx workbook (\(error))")
        }
        let part = PartReader(archive: archive, fileName: fileName)
        let sheetPath = try part.firstSheetPath()
        let strings = try part.sharedStrings()
        let sheet: XLSXWorksheet = try part.decode(sheetPath)

        var builder = ImportTableBuilder()
        var previousNumber = 0
        for row in sheet.sheetData.row ?? [] {
            let number = row.r ?? previousNumber + 1
            previousNumber = number
            var cells: [ImportCell] = []
            for (position, cell) in (row.c ?? []).enumerated() {
                let column = cell.r.flatMap(columnIndex) ?? position
                guard column < 16_384 else { throw ImportFileError(file: fileName, problem: "row \(number): column out of range") }
                while cells.count < column { cells.append(.text("")) }
                let value = try cell.value(strings: strings, fileName: fileName, row: number)
                if column < cells.count { cells[column] = value } else { cells.append(value) }
            }
            builder.add(line: number, cells: cells)
        }
        return try builder.table(fileName: fileName, noHeader: "the first sheet has no header row")
    }

    /// The zero-based column of a cell reference such as `"C7"` or `"AB12"`.
    static func columnIndex(_ reference: String) -> Int? {
        var index = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard scalar.value >= 65, scalar.value <= 90 else { break }
            index = index * 26 + Int(scalar.value - 64)
            letters += 1
            if letters > 3 { return nil }
        }
        return letters == 0 ? nil : index - 1
    }
}

/// The workbook's XML parts, unpacked one at a time with a size bound.
private struct PartReader {
    let archive: Archive
    let fileName: String

    func decode<T: Decodable>(_ path: String) throws -> T {
        guard let data = try bytes(path) else { throw ImportFileError(file: fileName, problem: "the workbook has no \(path)") }
        let decoder = XMLDecoder(trimValueWhitespaces: false)
        do { return try decoder.decode(T.self, from: data) } catch {
            throw ImportFileError(file: fileName, problem: "cannot read \(path) of the workbook (\(error))")
        }
    }

    func bytes(_ path: String) throws -> Data? {
        guard let entry = archive[path] else { return nil }
        guard entry.uncompressedSize <= XLSXTable.maxPartBytes else {
            throw ImportFileError(file: fileName, problem: "\(path) unpacks to more than \(XLSXTable.maxPartBytes >> 20) MiB")
        }
        var data = Data()
        do {
            _ = try archive.extract(entry) { chunk in
                data.append(chunk)
                if data.count > XLSXTable.maxPartBytes { throw ImportFileError(file: fileName, problem: "\(path) is too large") }
            }
        } catch let error as ImportFileError { throw error } catch {
            throw ImportFileError(file: fileName, problem: "cannot unpack \(path) (\(error))")
        }
        return data
    }

    /// The path of the workbook's first sheet, found through its relationship (not assumed to be sheet1.xml).
    func firstSheetPath() throws -> String {
        let workbook: XLSXWorkbook = try decode("xl/workbook.xml")
        guard let first = workbook.sheets.sheet.first else { throw ImportFileError(file: fileName, problem: "the workbook has no sheet") }
        let relationships: XLSXRelationships = try decode("xl/_rels/workbook.xml.rels")
        guard let target = relationships.Relationship.first(where: { $0.Id == first.relationshipId })?.Target else {
            throw ImportFileError(file: fileName, problem: "the workbook does not say where sheet \"\(first.name ?? "1")\" is")
        }
        return target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
    }

    /// The shared string table (absent in workbooks that only hold numbers or inline strings).
    func sharedStrings() throws -> [String] {
        guard try bytes("xl/sharedStrings.xml") != nil else { return [] }
        let table: XLSXSharedStrings = try decode("xl/sharedStrings.xml")
        return table.si?.map(\.text) ?? []
    }
}

// MARK: - The parts of SpreadsheetML read here (ECMA-376 part 1, section 18)

private struct XLSXWorkbook: Decodable {
    struct Sheets: Decodable { let sheet: [Sheet] }
    struct Sheet: Decodable {
        let name: String?
        let relationshipId: String?
        enum CodingKeys: String, CodingKey { case name, relationshipId = "r:id" }
    }
    let sheets: Sheets
}

private struct XLSXRelationships: Decodable {
    struct Entry: Decodable {
        let Id: String
        let Target: String
    }
    let Relationship: [Entry]
}

/// A rich or plain text: `<t>` directly, or runs `<r><t>` to join.
private struct XLSXText: Decodable {
    struct Run: Decodable { let t: XLSXValue? }
    let t: XLSXValue?
    let r: [Run]?
    var text: String { t?.value ?? (r ?? []).map { $0.t?.value ?? "" }.joined() }
}

/// An element's text content, possibly empty (`<t/>`), with attributes such as `xml:space` ignored.
private struct XLSXValue: Decodable {
    let value: String
    enum CodingKeys: String, CodingKey { case value = "" }
    init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
            value = text
        } else {
            value = (try? decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .value)) ?? ""
        }
    }
}

private struct XLSXSharedStrings: Decodable {
    let si: [XLSXText]?
}

private struct XLSXWorksheet: Decodable {
    struct SheetData: Decodable { let row: [Row]? }
    struct Row: Decodable {
        let r: Int?
        let c: [Cell]?
    }
    let sheetData: SheetData
}

private struct Cell: Decodable {
    let r: String?
    let t: String?
    let v: XLSXValue?
    let `is`: XLSXText?

    func value(strings: [String], fileName: String, row: Int) throws -> ImportCell {
        let raw = v?.value ?? ""
        switch t {
        case "s":
            guard let index = Int(raw), strings.indices.contains(index) else {
                throw ImportFileError(file: fileName, problem: "row \(row): cell \(r ?? "?") names shared string \(raw), which the workbook lacks")
            }
            return .text(strings[index])
        case "inlineStr": return .text(`is`?.text ?? "")
        case "b": return .bool(raw == "1")
        case "str", "e", "d": return .text(raw)
        default: return raw.isEmpty ? .text("") : .number(raw)
        }
    }
}
