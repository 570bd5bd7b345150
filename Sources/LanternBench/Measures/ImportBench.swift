import CRMCore
import CRMStore
import CustomerImport
import Foundation
import GRDB

/// `import_rows_per_s` / `import_ratio` / `import_core_ratio`: generated CSV files of new
/// customers imported into a fresh demo tenant with the example plugins, into another with none,
/// and the same customer rows inserted straight through GRDB (one prepared statement, one
/// transaction per file) into a third tenant's database.
///
/// The rows go in as `chunks` files in turn, each file into all three tenants one after another,
/// and each side's times are summed: this machine's speed drifts by a tenth or more over the
/// seconds one side takes, and measuring the sides in turn shares the drift between them instead
/// of handing it to whichever ran during the slow spell.
enum ImportBench {
    static func measure(_ settings: BenchSettings) throws -> [BenchMetric] {
        let workspace = try BenchWorkspace("import")
        let rows = settings.importRows
        let chunks = settings.quick ? 5 : 10
        let files = (0..<chunks).map { chunk in
            let first = rows * chunk / chunks + 1
            let range = first...max(first, rows * (chunk + 1) / chunks)
            return (rows: range, csv: Array(csvText(rows: range).utf8))
        }

        // A demo tenant for the schema and the demo's users and relationships, kept open meanwhile.
        let floorTenant = try workspace.demoTenant("grdb")
        let bare = try workspace.demoTenant("without-plugins").crm
        let hooked = try workspace.demoTenant("with-plugins").crm
        let host = try ExamplePlugins.load(for: hooked, from: settings.plugins, into: workspace)

        var (floorSeconds, bareSeconds, hookedSeconds) = (0.0, 0.0, 0.0)
        try withExtendedLifetime(floorTenant.crm) {
            for file in files {
                floorSeconds += try Timing.seconds { try insertStraight(rows: file.rows, path: floorTenant.databasePath) }
                bareSeconds += try Timing.seconds { try importFile(file.csv, into: bare, expecting: file.rows.count) }
                hookedSeconds += try Timing.seconds { try importFile(file.csv, into: hooked, expecting: file.rows.count) }
            }
        }
        let invocations = host.statuses().reduce(0) { $0 + $1.invocations }

        let hookedRate = Double(rows) / hookedSeconds
        let bareRate = Double(rows) / bareSeconds
        let floorRate = Double(rows) / floorSeconds
        return [
            BenchMetric("import_rows_per_s", hookedRate, unit: "rows/s",
                        detail: "\(rows) CSV rows (\(chunks) files) imported with the example plugins (\(invocations) hook calls)"),
            BenchMetric("import_bare_rows_per_s", bareRate, unit: "rows/s", detail: "the same import with no plugins"),
            BenchMetric("import_ratio", hookedRate / bareRate, unit: "×", target: .atLeast(0.5),
                        detail: "import_rows_per_s / import_bare_rows_per_s"),
            BenchMetric("import_grdb_rows_per_s", floorRate, unit: "rows/s", detail: "the same rows inserted through GRDB, one transaction per file"),
            BenchMetric("import_core_ratio", bareRate / floorRate, unit: "×", target: .atLeast(0.3),
                        detail: "import_bare_rows_per_s / import_grdb_rows_per_s"),
        ]
    }

    /// Rows `rows` of the file: each a new customer of `an` or `binh` in "Mới", with a phone, an
    /// email and a source.
    static func csvText(rows: ClosedRange<Int>) -> String {
        var text = "Tên khách hàng,Điện thoại,Email,Mối quan hệ,Người phụ trách,Nguồn\n"
        text.reserveCapacity(rows.count * 80)
        for i in rows {
            text += "Khách hàng số \(i),\(phone(i)),khach\(i)@example.vn,Mới,\(i % 2 == 0 ? "an" : "binh"),Facebook\n"
        }
        return text
    }

    static func phone(_ i: Int) -> String { String(format: "09%08d", i) }

    private static func importFile(_ bytes: [UInt8], into crm: CRM, expecting rows: Int) throws {
        let table = try ImportTable.read(bytes, fileName: "khach-hang.csv")
        let report = try CustomerImporter(crm: crm, login: "admin").run(table, fileName: "khach-hang.csv")
        guard report.created == rows else {
            throw BenchError("the import created \(report.created) of \(rows) customers: \(report.failed.first?.reason ?? report.summary)")
        }
    }

    /// The floor: the customer rows the import writes, through one prepared INSERT in one transaction.
    private static func insertStraight(rows: ClosedRange<Int>, path: String) throws {
        let queue = try DatabaseQueue(path: path)
        let now = Int64(Date().timeIntervalSince1970)
        try queue.write { db in
            guard let relationship = try Int64.fetchOne(db, sql: "SELECT id FROM relationships ORDER BY position LIMIT 1"),
                  let an = try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE login = 'an'"),
                  let binh = try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE login = 'binh'") else {
                throw BenchError("the demo tenant lacks its first relationship or its sales users")
            }
            let first = (try Int64.fetchOne(db, sql: "SELECT count(*) FROM customers") ?? 0) + 1
            let insert = try db.makeStatement(sql: """
                INSERT INTO customers (code, name, phone, email, relationship_id, owner_id, source, fields, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, '{}', ?, ?)
                """)
            for (offset, i) in rows.enumerated() {
                try insert.execute(arguments: [String(format: "KH%06lld", first + Int64(offset)), "Khách hàng số \(i)", phone(i),
                                               "khach\(i)@example.vn", relationship, i % 2 == 0 ? an : binh, "Facebook", now, now])
            }
        }
        try queue.close()
    }
}
