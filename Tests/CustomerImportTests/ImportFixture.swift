import CRMCore
import CRMStore
import Foundation
import PluginHost
import ZIPFoundation

/// A real tenant in memory with a plugin that logs every customer event it gets, to see which
/// rows fired hooks and with what source.
///
///     users: admin (all), an "Nguyễn Văn An" and binh "Lê Thị Bình" (sales: create, read, update; scope own)
///     relationships: Mới, Đã liên hệ, Chốt
final class ImportFixture {
    let crm = CRM(store: try! SQLiteTenantStore.inMemory(), clock: ManualClock(start: 1_767_200_400))
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lantern-import-\(UUID().uuidString)")
    let host: PluginHost
    let admin = Identity.user("admin")

    init() throws {
        try crm.directory.bootstrap(adminLogin: "admin")
        try crm.directory.createRole(name: "sales", permissions: [.customersRead, .customersCreate, .customersUpdate], scope: .own, by: admin)
        try crm.directory.createRole(name: "viewer", permissions: [.customersRead], scope: .all, by: admin)
        try crm.directory.createUser(login: "an", name: "Nguyễn Văn An", role: "sales", by: admin)
        try crm.directory.createUser(login: "binh", name: "Lê Thị Bình", role: "sales", by: admin)
        try crm.directory.createUser(login: "xem", role: "viewer", by: admin)
        host = PluginHost(crm: crm, folder: folder)
        try addPlugin("recorder", permissions: ["customers.read"], main: """
            local M = {}
            function M.on_customer_created(e) crm.log("info", "created " .. e.source .. " " .. e.customer.code) end
            function M.on_customer_updated(e) crm.log("info", "updated " .. e.source .. " " .. e.customer.code) end
            return M
            """)
    }

    /// Writes plugin `name` (version 1.0.0, run as admin) into the tenant's folder and loads it.
    func addPlugin(_ name: String, permissions: [String], main: String) throws {
        let plugin = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: plugin, withIntermediateDirectories: true)
        let list = permissions.map { "\"\($0)\"" }.joined(separator: ", ")
        try """
            name = "\(name)"
            version = "1.0.0"
            run_as = "admin"
            permissions = [\(list)]
            """.write(to: plugin.appendingPathComponent("plugin.toml"), atomically: true, encoding: .utf8)
        try main.write(to: plugin.appendingPathComponent("main.lua"), atomically: true, encoding: .utf8)
        host.loadAll()
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// What the recorder plugin saw, in order.
    var events: [String] {
        host.logs(of: "recorder").map(\.message).filter { $0.hasPrefix("created") || $0.hasPrefix("updated") }
    }

    func customer(code: String) throws -> Customer? {
        try crm.customers.find(CustomerQuery(conditions: [(.code, .equals(.string(code)))], orderBy: .id), by: admin).first
    }
}

/// Builds a small `.xlsx` workbook the way Excel lays one out (workbook, its relationships,
/// shared strings, the sheet), with the sheet's part named `data.xml` so that only following
/// the relationship finds it.
enum WorkbookBuilder {
    static func build(sheetRows: String, sharedStrings: [String]) throws -> [UInt8] {
        let parts: [(String, String)] = [
            ("[Content_Types].xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>
                """),
            ("xl/workbook.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
                <sheets><sheet name="Khách hàng" sheetId="1" r:id="rId7"/><sheet name="Khác" sheetId="2" r:id="rId8"/></sheets></workbook>
                """),
            ("xl/_rels/workbook.xml.rels", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
                <Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
                <Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/data.xml"/>
                </Relationships>
                """),
            ("xl/sharedStrings.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\(sharedStrings.count)">\(sharedStrings.joined())</sst>
                """),
            ("xl/worksheets/data.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\(sheetRows)</sheetData></worksheet>
                """),
            ("xl/worksheets/sheet1.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>wrong sheet</t></is></c></row></sheetData></worksheet>
                """),
        ]
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return Array(archive.data ?? Data())
    }
}
