import CRMCore
import CustomerImport
import Foundation
import Testing

@Suite("Import: Excel .xlsx")
struct XLSXImportTests {
    static let strings = [
        "<si><t>Mã khách hàng</t></si>", "<si><t>Tên khách hàng</t></si>", "<si><t>Số điện thoại</t></si>",
        "<si><t>Số nhân viên</t></si>", "<si><t>Doanh thu (tỷ)</t></si>", "<si><t>VIP</t></si>",
        "<si><r><t>Nguyễn </t></r><r><rPr><b/></rPr><t>Gia Khương</t></r></si>",   // rich text: two runs
        "<si><t xml:space=\"preserve\"> Trần Minh Anh </t></si>", "<si><t>Mối quan hệ</t></si>", "<si><t>Chốt</t></si>",
    ]

    static let rows = """
        <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c><c r="G1" t="s"><v>8</v></c></row>
        <row r="2"><c r="A2" t="inlineStr"><is><t>KH500</t></is></c><c r="B2" t="s"><v>6</v></c><c r="C2"><v>84912345678</v></c><c r="D2"><v>12</v></c><c r="E2"><v>2.5</v></c><c r="F2" t="b"><v>1</v></c><c r="G2" t="s"><v>9</v></c></row>
        <row r="4"><c r="B4" t="s"><v>7</v></c><c r="F4" t="b"><v>0</v></c></row>
        <row r="5"><c r="A5" t="str"><v>KH502</v></c><c r="C5" t="inlineStr"><is><t>0900000001</t></is></c></row>
        """

    @Test("the first sheet is found through the workbook; cells keep their types; rows keep their numbers")
    func readsFirstSheet() throws {
        let bytes = try WorkbookBuilder.build(sheetRows: Self.rows, sharedStrings: Self.strings)
        let table = try ImportTable.read(bytes, fileName: "khach-hang.xlsx")
        #expect(table.header == ["Mã khách hàng", "Tên khách hàng", "Số điện thoại", "Số nhân viên", "Doanh thu (tỷ)", "VIP", "Mối quan hệ"])
        #expect(table.rows.map(\.line) == [2, 4, 5])
        #expect(table.rows[0].cells[1] == .text("Nguyễn Gia Khương"))
        #expect(table.rows[0].cells[2] == .number("84912345678"))
        #expect(table.rows[1].cells[0] == .text(""), "a missing cell reads as empty")

        let fixture = try ImportFixture()
        let report = try CustomerImporter(crm: fixture.crm, login: "admin").run(table, fileName: "khach-hang.xlsx")
        #expect(report.created == 2 && report.failed.map(\.line) == [5], "\(report)")
        #expect(report.failed.first?.reason == "invalid name: must not be empty")
        let khuong = try #require(try fixture.customer(code: "KH500"))
        #expect(khuong.name == "Nguyễn Gia Khương" && khuong.phone == "84912345678" && khuong.relationship == "Chốt")
        #expect(khuong.fields == ["Số nhân viên": .integer(12), "Doanh thu (tỷ)": .double(2.5), "VIP": .bool(true)])
        let anh = try #require(try fixture.crm.customers.find(by: fixture.admin).first { $0.code != "KH500" })
        #expect(anh.name == "Trần Minh Anh" && anh.fields == ["VIP": .bool(false)])
        #expect(fixture.events.count == 2)
    }

    @Test("a damaged workbook is refused with what is missing")
    func damagedWorkbook() throws {
        var bytes = try WorkbookBuilder.build(sheetRows: Self.rows, sharedStrings: Self.strings)
        bytes.removeLast(bytes.count / 2)
        #expect(throws: ImportFileError.self) { try ImportTable.read(bytes, fileName: "broken.xlsx") }
        let noStrings = try WorkbookBuilder.build(sheetRows: Self.rows, sharedStrings: [])
        #expect(throws: ImportFileError(file: "s.xlsx", problem: "row 1: cell A1 names shared string 0, which the workbook lacks")) {
            try ImportTable.read(noStrings, fileName: "s.xlsx")
        }
    }
}
