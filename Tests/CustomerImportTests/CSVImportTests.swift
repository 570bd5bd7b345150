import CRMCore
import CustomerImport
import Foundation
import Testing

@Suite("Import: CSV with the upload rules")
struct CSVImportTests {
    /// A Vietnamese CRM's export: BOM, CRLF, a quoted field over two lines, a blank row.
    static let export = "\u{FEFF}Mã khách hàng,Tên khách hàng,Số điện thoại,Email,Mối quan hệ,Người phụ trách,Tỉnh thành,Ghi chú\r\n"
        + "KH100,Nguyễn Văn Bình,0912345678,binh@example.vn,Đã liên hệ,,Hà Nội,\"Hai dòng\r\nghi chú\"\r\n"   // line 2-3
        + "KH101,Trần Thị Cúc,,,,Nguyễn Văn An,Huế,\r\n"                                                   // line 4
        + ",Lê Văn Dũng,abc,,,,,\r\n"                                                                      // line 5: bad phone
        + "KH100,Trùng mã,,,,,,\r\n"                                                                       // line 6: code exists
        + ",,,,,,,\r\n"                                                                                    // line 7: blank
        + "KH102,Phạm Văn Em,,,Không có,,,\r\n"                                                            // line 8: unknown relationship
        + ",Hoàng Thị Gấm,,,,,,,extra\r\n"                                                                 // line 9: too many cells

    @Test("Vietnamese headers map; rows are created, skipped or refused with their line; imports fire hooks with source import")
    func vietnameseExport() throws {
        let fixture = try ImportFixture()
        let table = try ImportTable.read(Array(Self.export.utf8), fileName: "khach-hang.csv")
        let report = try CustomerImporter(crm: fixture.crm, login: "admin").run(table, fileName: "khach-hang.csv")
        #expect(report.created == 2 && report.overridden == 0)
        #expect(report.skipped == [.init(line: 6, reason: "customer code KH100 exists")])
        #expect(report.failed.map(\.line) == [5, 8, 9])
        #expect(report.failed[0].reason == "invalid phone: \"abc\" is not a phone number")
        #expect(report.failed[1].reason == "invalid relationship: unknown relationship \"Không có\"")
        #expect(report.failed[2].reason == "9 cells but the header has 8 columns")

        let binh = try #require(try fixture.customer(code: "KH100"))
        #expect(binh.name == "Nguyễn Văn Bình" && binh.phone == "0912345678" && binh.email == "binh@example.vn")
        #expect(binh.relationship == "Đã liên hệ" && binh.owner == "admin")
        #expect(binh.fields == ["Tỉnh thành": .string("Hà Nội"), "Ghi chú": .string("Hai dòng\r\nghi chú")])
        let cuc = try #require(try fixture.customer(code: "KH101"))
        #expect(cuc.relationship == "Mới", "an empty relationship means the tenant's first")
        #expect(cuc.owner == "an", "the owner column may name a user by full name")
        #expect(try fixture.customer(code: "KH102") == nil)
        #expect(fixture.events == ["created import KH100", "created import KH101"])
    }

    @Test("override writes only the file's columns and non-blank cells, fires no hook, and is audited")
    func override() throws {
        let fixture = try ImportFixture()
        _ = try CustomerImporter(crm: fixture.crm, login: "admin")
            .run(try ImportTable.read(Array(Self.export.utf8), fileName: "a.csv"), fileName: "a.csv")
        let update = "code,name,Tỉnh thành,phone\nKH100,Nguyễn Văn Bình (mới),Đà Nẵng,\nKH101,,,0988000111\n"
        let table = try ImportTable.read(Array(update.utf8), fileName: "b.csv")

        let skipped = try CustomerImporter(crm: fixture.crm, login: "admin").run(table, fileName: "b.csv")
        #expect(skipped.skipped.map(\.line) == [2, 3] && skipped.overridden == 0)

        let eventsBefore = fixture.events
        let report = try CustomerImporter(crm: fixture.crm, login: "admin", override: true).run(table, fileName: "b.csv")
        #expect(report.overridden == 2 && report.created == 0 && report.failed.isEmpty, "\(report)")
        let binh = try #require(try fixture.customer(code: "KH100"))
        #expect(binh.name == "Nguyễn Văn Bình (mới)")
        #expect(binh.phone == "0912345678", "a blank cell leaves the field as it is")
        #expect(binh.email == "binh@example.vn" && binh.relationship == "Đã liên hệ", "columns the file lacks stay")
        #expect(binh.fields["Tỉnh thành"] == .string("Đà Nẵng") && binh.fields["Ghi chú"] != nil)
        #expect(try fixture.customer(code: "KH101")?.phone == "0988000111")
        #expect(fixture.events == eventsBefore, "an overriding upload fires no hooks")
        let audit = try fixture.crm.audit.customerHistory(binh.id, by: fixture.admin)
        #expect(audit.contains { $0.action == "customer.import_override" && $0.source == .import })
    }

    @Test("good rows commit in batches around bad ones; progress reports each batch; owner options apply")
    func batchesAndOwners() throws {
        let fixture = try ImportFixture()
        var csv = "name,phone,owner\n"
        for index in 1...5 { csv += "Khách \(index),\(index == 3 ? "x" : "090000000\(index)"),\(index == 5 ? "binh" : "")\n" }
        var progress: [Int] = []
        let importer = CustomerImporter(crm: fixture.crm, login: "an", defaultOwner: "an", batchSize: 2)
        let report = try importer.run(try ImportTable.read(Array(csv.utf8), fileName: "c.csv"), fileName: "c.csv") { done, total in
            progress.append(done)
            #expect(total == 5)
        }
        #expect(progress == [2, 4, 5])
        #expect(report.created == 3, "\(report)")
        #expect(report.failed.map(\.line) == [4, 6])
        #expect(report.failed[1].reason == "permission denied: customers.assign", "a sales rep may not give customers to others")
        let names = try fixture.crm.customers.find(by: fixture.admin).map(\.name)
        #expect(names == ["Khách 1", "Khách 2", "Khách 4"])

        let owned = try CustomerImporter(crm: fixture.crm, login: "admin", defaultOwner: "binh")
            .run(try ImportTable.read(Array("name\nKhách của Bình\n".utf8), fileName: "d.csv"), fileName: "d.csv")
        #expect(owned.created == 1)
        #expect(try fixture.crm.customers.find(by: fixture.admin).last?.owner == "binh")
        #expect(throws: CRMError.invalid(field: "owner", reason: "unknown user \"ghost\"")) {
            try CustomerImporter(crm: fixture.crm, login: "admin", defaultOwner: "ghost")
                .run(try ImportTable.read(Array("name\nA\n".utf8), fileName: "e.csv"), fileName: "e.csv")
        }
    }

    @Test("a batch's hooks run once its rows are written, in row order, each in a savepoint of its own")
    func hooksAfterEachBatch() throws {
        let fixture = try ImportFixture()
        try fixture.addPlugin("contact", permissions: ["customers.read", "customers.update"], main: """
            local M = {}
            function M.on_customer_created(e)
              crm.log("info", e.customer.name .. " sees " .. #crm.customers.find({}))
              crm.customers.set_relationship(e.customer.id, "Đã liên hệ")
              if e.customer.name == "Khách 2" then error("refused") end
            end
            return M
            """)

        var csv = "name\n"
        for index in 1...5 { csv += "Khách \(index)\n" }
        let report = try CustomerImporter(crm: fixture.crm, login: "admin", batchSize: 2)
            .run(try ImportTable.read(Array(csv.utf8), fileName: "f.csv"), fileName: "f.csv")
        #expect(report.created == 5)
        let seen = fixture.host.logs(of: "contact").map(\.message).filter { $0.contains(" sees ") }
        #expect(seen == ["Khách 1 sees 2", "Khách 2 sees 2", "Khách 3 sees 4", "Khách 4 sees 4", "Khách 5 sees 5"])
        let customers = try fixture.crm.customers.find(CustomerQuery(orderBy: .id), by: fixture.admin)
        #expect(customers.map(\.relationship) == ["Đã liên hệ", "Mới", "Đã liên hệ", "Đã liên hệ", "Đã liên hệ"],
                "the failed hook's write was rolled back alone")
        // The recorder gets each row's event, then the write the contact hook made on it (none
        // for the hook that failed).
        #expect(fixture.events == customers.flatMap { customer in
            ["created import \(customer.code)"] + (customer.relationship == "Mới" ? [] : ["updated plugin \(customer.code)"])
        })
    }

    @Test("a row that fails while writing rolls its batch back and ends the import; earlier batches stand")
    func failureWhileWritingEndsImport() throws {
        struct StoreRefused: Error {}
        let fixture = try ImportFixture()
        // A subscriber failing on one customer stands in for a store failure after the row's first write.
        let token = fixture.crm.events.subscribe { event in
            if event.kind == .customerCreated, event.customer.name == "Khách 4" { throw StoreRefused() }
        }
        defer { fixture.crm.events.unsubscribe(token) }
        var csv = "name\n"
        for index in 1...6 { csv += "Khách \(index)\n" }
        var progress: [Int] = []
        #expect(throws: StoreRefused.self) {
            try CustomerImporter(crm: fixture.crm, login: "admin", batchSize: 2)
                .run(try ImportTable.read(Array(csv.utf8), fileName: "f.csv"), fileName: "f.csv") { done, _ in progress.append(done) }
        }
        #expect(progress == [2], "the second batch never committed")
        let customers = try fixture.crm.customers.find(by: fixture.admin)
        #expect(customers.map(\.name) == ["Khách 1", "Khách 2"])
        #expect(customers.map(\.code) == ["KH000001", "KH000002"])
    }

    @Test("a referrer column names the referring customer by code; custom fields keep the header as written")
    func referrerAndFields() throws {
        let fixture = try ImportFixture()
        let csv = "code,name,referrer,points,Ngày sinh\nKH1,Người giới thiệu,,10,01/02/1990\nKH2,Được giới thiệu,KH1,\"1,200\",\nKH3,Sai,KH9,,\nKH4,Điểm sai,,mười,\n"
        let report = try CustomerImporter(crm: fixture.crm, login: "admin").run(try ImportTable.read(Array(csv.utf8), fileName: "r.csv"), fileName: "r.csv")
        #expect(report.created == 2)
        #expect(report.failed.map(\.reason) == ["invalid referrer: no customer with code \"KH9\"", "invalid points: \"mười\" is not a whole number"])
        let referred = try #require(try fixture.customer(code: "KH2"))
        #expect(referred.referrer == (try fixture.customer(code: "KH1"))?.id && referred.points == 1200)
        #expect(try fixture.customer(code: "KH1")?.fields == ["Ngày sinh": .string("01/02/1990")])
    }

    @Test("files that cannot be imported at all are refused whole, saying why and where", arguments: [
        ("", "the file is empty"),
        ("code,phone\nKH1,0900000000\n", "line 1: no name column (call one \"name\" or \"Tên khách hàng\")"),
        ("name,Tên khách hàng\nA,B\n", "line 1: columns 1 (\"name\") and 2 (\"Tên khách hàng\") both mean name"),
        ("name,note,note\nA,b,c\n", "line 1: columns 2 and 3 are both named \"note\""),
    ])
    func refusedFiles(text: String, problem: String) throws {
        let fixture = try ImportFixture()
        do {
            let table = try ImportTable.read(Array(text.utf8), fileName: "bad.csv")
            _ = try CustomerImporter(crm: fixture.crm, login: "admin").run(table, fileName: "bad.csv")
            Issue.record("expected the file to be refused")
        } catch let error as ImportFileError {
            #expect(error.description == "bad.csv: \(problem)")
        }
        #expect(try fixture.crm.customers.find(by: fixture.admin).isEmpty)
    }

    @Test("text that is not UTF-8 is refused with its line; a user who may not create customers imports nothing")
    func encodingAndPermission() throws {
        let latin1: [UInt8] = Array("name\nA\n".utf8) + [0x4E, 0x67, 0x75, 0x79, 0xEA, 0x6E, 0x0A]   // "Nguyên" in Latin-1
        #expect(throws: ImportFileError(file: "l.csv", problem: "line 3: not UTF-8 text (save the file as \"CSV UTF-8\")")) {
            try ImportTable.read(latin1, fileName: "l.csv")
        }
        let fixture = try ImportFixture()
        #expect(throws: CRMError.permissionDenied(.customersCreate)) {
            try CustomerImporter(crm: fixture.crm, login: "xem").run(try ImportTable.read(Array("name\nA\n".utf8), fileName: "p.csv"), fileName: "p.csv")
        }
    }

    @Test("CSV fields: quotes escaped, spanning lines, text after a closing quote, quotes inside plain fields, every line ending")
    func csvFields() throws {
        let text = "\u{FEFF}name,note\r"                          // line 1, lone CR
            + "\"Lê \"\"Bé\"\"\",\"một\r\nhai\rba\"\n"          // lines 2-4: "" is a quote; CRLF and CR inside count
            + "Ngô 5\"2,\"x\"y\r\n"                            // line 5: a plain field's quote; text after a closing quote
            + "Trâm,\n"                                          // line 6: trailing empty field
            + "\n"                                               // line 7: blank, left out
            + "Út,\"\""                                         // line 8: an empty quoted field, no final line break
        let table = try ImportTable.read(Array(text.utf8), fileName: "f.csv")
        #expect(table.header == ["name", "note"])
        #expect(table.rows == [
            ImportRow(line: 2, cells: [.text("Lê \"Bé\""), .text("một\r\nhai\rba")]),
            ImportRow(line: 5, cells: [.text("Ngô 5\"2"), .text("xy")]),
            ImportRow(line: 6, cells: [.text("Trâm"), .text("")]),
            ImportRow(line: 8, cells: [.text("Út"), .text("")]),
        ])
    }

    @Test("a quoted field never closed refuses the file with the line it opens on")
    func unclosedQuote() throws {
        let text = "name,note\nAn,ok\nBình,\"chưa đóng\nCúc,x\n"
        #expect(throws: ImportFileError(file: "q.csv", problem: "line 3: a quoted field starts here and is never closed")) {
            try ImportTable.read(Array(text.utf8), fileName: "q.csv")
        }
    }
}
