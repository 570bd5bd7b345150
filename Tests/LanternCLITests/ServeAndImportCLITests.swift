import CRMCore
import CRMStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

@Suite("The lantern command line: serve and import", .serialized)
struct ServeAndImportCLITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("serve --demo prints tokens and curl lines, answers over HTTP, and stops cleanly on SIGTERM")
    func serveDemo() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lantern-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = LanternProcess.executable
        process.arguments = ["serve", "--demo", "--port", "0", "--data", dir.appendingPathComponent("data").path,
                             "--plugins", Self.repository.appendingPathComponent("plugins").path]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        var printed = ""
        let deadline = Date().addingTimeInterval(60)
        while !printed.contains("(Ctrl-C stops)"), Date() < deadline, process.isRunning {
            printed += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        }
        #expect(printed.contains("Created the demo tenant"), "\(printed)")
        let tokens = printed.split(separator: "\n").filter { $0.hasPrefix("  ") }.compactMap { line -> (String, String)? in
            let parts = line.split(separator: " ")
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
        #expect(Set(tokens.map(\.0)) == ["admin", "leader", "an", "binh", "automation"])
        #expect(tokens.allSatisfy { $0.1.count >= 32 && $0.1.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } })
        #expect(printed.components(separatedBy: "curl -s").count - 1 == 3)
        let base = try #require(printed.firstMatch(of: /Serving (http:\/\/127\.0\.0\.1:\d+\/api\/v1)/)?.1)

        var request = URLRequest(url: try #require(URL(string: "\(base)/customers?limit=2")))
        request.setValue("Bearer \(tokens.first { $0.0 == "an" }?.1 ?? "")", forHTTPHeaderField: "Authorization")
        let (body, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: body, as: UTF8.self).contains("\"items\""))

        process.terminate()   // SIGTERM
        process.waitUntilExit()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(log)")
        #expect(log.contains("stopped"), "\(log)")
    }

    @Test("import customers reports each refused row by file and line, then the summary; exit 1 when rows failed")
    func importCustomers() throws {
        try withScratch { (dir) throws in
            let data = dir.appendingPathComponent("data").path
            #expect(try LanternProcess.run(["tenant", "create", "acme", "--admin", "boss", "--data", data]).status == 0)
            let file = dir.appendingPathComponent("khach.csv")
            try "Mã khách hàng,Tên khách hàng,Email\nKH1,Nguyễn Gia Khương,khuong@example.vn\nKH2,,\nKH1,Trùng,\n"
                .write(to: file, atomically: true, encoding: .utf8)
            let result = try LanternProcess.run(["import", "customers", file.path, "--tenant", "acme", "--data", data], in: dir)
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stdout.contains("\(file.path):3: invalid name: must not be empty"), "\(result.stdout)")
            #expect(result.stdout.contains("\(file.path):4: skipped, customer code KH1 exists"))
            #expect(result.stdout.hasSuffix("Imported 3 rows into acme: created 1, overridden 0, skipped 1, failed 1.\n"))

            try "code,email\nKH1,moi@example.vn\n".write(to: file, atomically: true, encoding: .utf8)
            let override = try LanternProcess.run(["import", "customers", file.path, "--tenant", "acme", "--override", "--data", data], in: dir)
            #expect(override.status == 0, "\(override.stderr)")
            let crm = try DataFolder(path: data).tenant("acme")
            let customer = try crm.customers.find(by: .user("boss")).first
            #expect(customer?.email == "moi@example.vn" && customer?.name == "Nguyễn Gia Khương")

            let missing = try LanternProcess.run(["import", "customers", "nowhere.csv", "--tenant", "acme", "--data", data], in: dir)
            #expect(missing.status == 1 && missing.stderr.hasPrefix("lantern: nowhere.csv: cannot read the file"))
        }
    }
}
