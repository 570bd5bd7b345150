import Foundation
import Testing

@Suite("API: customers")
struct CustomerAPITests {
    @Test("create, read, list with filters and pages, edit with nulls and field merges, trash and restore")
    func customerLifecycle() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { api in
            let created = try await api.post("/customers", """
                {"name": "Nguyễn Thị Thu Hà", "phone": "0912 345 678", "email": "thuha@example.vn",
                 "relationship": "Báo giá", "source": "Hội chợ", "points": 5,
                 "fields": {"tinh_thanh": "Đà Nẵng", "so_nhan_vien": 12, "vip": true, "ti_le": 0.5}}
                """, as: "an")
            #expect(created.status == 201, "\(created)")
            let customer = created.json
            let id = try #require(customer["id"].int)
            #expect(customer["name"].string == "Nguyễn Thị Thu Hà")
            #expect(customer["owner"].string == "an")
            #expect(customer["relationship"].string == "Báo giá")
            #expect(customer["code"].string?.hasPrefix("KH") == true)
            #expect(customer["fields"]["tinh_thanh"].string == "Đà Nẵng")
            #expect(customer["fields"]["so_nhan_vien"].int == 12)
            #expect(customer["fields"]["vip"].bool == true)

            let read = try await api.get("/customers/\(id)", as: "an")
            #expect(read.status == 200 && read.json["email"].string == "thuha@example.vn")

            let filtered = try await api.get("/customers?relationship=\(query("Báo giá"))&owner=an", as: "an")
            #expect(filtered.json["items"].array.contains { $0["id"].int == id })
            #expect(filtered.json["items"].array.allSatisfy { $0["relationship"].string == "Báo giá" && $0["owner"].string == "an" })

            let firstPage = try await api.get("/customers?limit=5&order_by=id")
            let secondPage = try await api.get("/customers?limit=5&offset=5&order_by=id")
            #expect(firstPage.json["items"].array.count == 5)
            #expect(firstPage.json["next_offset"].int == 5)
            let firstIds = firstPage.json["items"].array.compactMap { $0["id"].int }
            let secondIds = secondPage.json["items"].array.compactMap { $0["id"].int }
            #expect(firstIds == firstIds.sorted() && secondIds.first.map { $0 > firstIds.last! } == true)
            let newest = try await api.get("/customers?limit=1&order_by=id&order=desc")
            #expect(newest.json["items"][0]["id"].int == id)

            let edited = try await api.patch("/customers/\(id)", """
                {"phone": null, "name": "Nguyễn Thu Hà", "fields": {"vip": null, "hang": "vàng"}}
                """, as: "an")
            #expect(edited.status == 200, "\(edited)")
            #expect(edited.json["phone"].isNull)
            #expect(edited.json["name"].string == "Nguyễn Thu Hà")
            #expect(edited.json["email"].string == "thuha@example.vn")
            #expect(edited.json["fields"].keys == ["tinh_thanh", "so_nhan_vien", "ti_le", "hang"])

            let deleted = try await api.delete("/customers/\(id)", as: "leader")
            #expect(deleted.status == 204)
            #expect(try await api.get("/customers/\(id)", as: "leader").status == 404)
            let trash = try await api.get("/customers?deleted=true", as: "leader")
            #expect(trash.json["items"].array.contains { $0["id"].int == id && $0["deleted_at"].int != nil })
            let restored = try await api.post("/customers/\(id)/restore", as: "leader")
            #expect(restored.status == 200 && restored.json["deleted_at"].isNull)
            #expect(try await api.get("/customers/\(id)", as: "an").status == 200)
        }
    }

    @Test("the bulk relationship change moves every customer and fires no hook; referrals and revenue read")
    func bulkReferralsRevenue() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { api in
            let new = try await api.get("/customers?relationship=\(query("Mới"))&limit=3")
            let ids = new.json["items"].array.compactMap { $0["id"].int }
            #expect(ids.count == 3)
            let ledgerBefore = try await api.get("/customers/\(ids[0])/ledger")
            let moved = try await api.post("/customers/bulk-relationship", """
                {"ids": [\(ids.map(String.init).joined(separator: ","))], "relationship": "Đã liên hệ"}
                """)
            #expect(moved.status == 200 && moved.json["changed"].int == 3, "\(moved)")
            for id in ids {
                #expect(try await api.get("/customers/\(id)").json["relationship"].string == "Đã liên hệ")
            }
            // A single move would have fired on_relationship_changed (the reclaim plugin has it); the bulk path fires nothing.
            let ledgerAfter = try await api.get("/customers/\(ids[0])/ledger")
            #expect(ledgerAfter.json["items"].array.count == ledgerBefore.json["items"].array.count)

            // The demo's referrers: customers 7, 9, 11... referred by earlier ones.
            let referred = try await api.get("/customers?limit=1000").json["items"].array.first { !$0["referrer"].isNull }
            let referrer = try #require(referred?["referrer"].int)
            let tree = try await api.get("/customers/\(referrer)/referrals")
            #expect(tree.status == 200)
            #expect(tree.json["items"].array.contains { $0["id"].int == referred?["id"].int && $0["depth"].int == 1 })

            let revenue = try await api.get("/customers/\(referrer)/revenue")
            #expect(revenue.status == 200)
            let years = revenue.json["years"].array
            #expect(revenue.json["total"].int == years.compactMap { $0["total"].int }.reduce(0, +))
        }
    }
}
