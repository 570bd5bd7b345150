import Foundation
import Testing

@Suite("API: customer import")
struct ImportAPITests {
    @Test("a CSV upload creates, skips and refuses rows by line; new customers reach the plugins; override fires none")
    func csvUpload() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { api in
            let existing = try #require(try await api.get("/customers?limit=1").json["items"][0]["code"].string)
            let csv = "\u{FEFF}Mã khách hàng,Tên khách hàng,Số điện thoại,Người phụ trách,Kênh\n"
                + "KH900,Khách nhập một,0911000001,an,Zalo\n"
                + "\(existing),Trùng mã,0911000002,,\n"
                + "KH901,Khách số sai,12ab,,\n"
                + "KH902,\"Khách nhập, hai\",,Lê Thị Bình,Facebook\n"
            let response = try await api.request(.post, "/import/customers", body: Array(csv.utf8), headers: [.contentType: "text/csv"])
            #expect(response.status == 200, "\(response)")
            #expect(response.json["created"].int == 2 && response.json["overridden"].int == 0)
            #expect(response.json["skipped"].array.map { $0["line"].int } == [3])
            #expect(response.json["failed"][0]["line"].int == 4)
            #expect(response.json["failed"][0]["reason"].string == "invalid phone: \"12ab\" is not a phone number")

            let imported = try await api.get("/customers?code=KH900")
            let customer = imported.json["items"][0]
            #expect(customer["owner"].string == "an" && customer["fields"]["Kênh"].string == "Zalo" && customer["relationship"].string == "Mới")
            #expect(try await api.get("/customers?code=KH902").json["items"][0]["owner"].string == "binh")
            // The reclaim plugin starts its two-day wait for new "Mới" customers with an owner, imported ones too.
            let id = try #require(customer["id"].int)
            let ledger = try await api.get("/customers/\(id)/ledger")
            #expect(ledger.json["items"].array.contains { $0["plugin"].string == "reclaim" && $0["hook"].string == "on_customer_created" })
            #expect(try await api.get("/jobs").json["items"].array.contains { $0["key"].string == "reclaim:\(id)" })

            let update = "code,name\nKH900,Khách nhập một (sửa)\n"
            let override = try await api.request(.post, "/import/customers?override=true", body: Array(update.utf8))
            #expect(override.json["overridden"].int == 1, "\(override)")
            #expect(try await api.get("/customers/\(id)").json["name"].string == "Khách nhập một (sửa)")
            #expect(try await api.get("/customers/\(id)/ledger").json["items"].array.count == ledger.json["items"].array.count)
        }
    }

    @Test("uploads that cannot be read, too large, or by a user who may not create customers are refused whole")
    func refusedUploads() async throws {
        let fixture = try ServerFixture(demoPlugins: false)
        try await fixture.withServer { api in
            let noName = try await api.request(.post, "/import/customers", body: Array("phone\n0900000000\n".utf8))
            #expect(noName.status == 400 && noName.errorCode == "bad_file" && noName.errorMessage?.contains("no name column") == true)
            let empty = try await api.request(.post, "/import/customers", body: [])
            #expect(empty.status == 400 && empty.errorMessage?.contains("empty") == true)
            let huge = [UInt8](repeating: 0x41, count: 33 << 20)
            let tooLarge = try await api.request(.post, "/import/customers", body: huge)
            #expect(tooLarge.status == 413 && tooLarge.errorCode == "too_large")
            let denied = try await api.request(.post, "/import/customers", as: "automation", body: Array("name\nA\n".utf8))
            #expect(denied.status == 403 && denied.errorMessage == "permission denied: customers.create")
            let form = try await api.request(.post, "/import/customers", body: Array("--x\r\n".utf8),
                                             headers: [.contentType: "multipart/form-data; boundary=x"])
            #expect(form.status == 415 && form.errorCode == "unsupported_media_type")
            let badOwner = try await api.request(.post, "/import/customers?owner=ghost", body: Array("name\nA\n".utf8))
            #expect(badOwner.status == 400 && badOwner.errorMessage == "invalid owner: unknown user \"ghost\"")
        }
    }
}
