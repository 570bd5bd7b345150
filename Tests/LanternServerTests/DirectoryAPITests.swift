import Foundation
import Testing

@Suite("API: relationships, orders, users, roles, departments")
struct DirectoryAPITests {
    @Test("relationships: list in order, create, edit, move, delete, restore; in-use and duplicates refused")
    func relationships() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { api in
            let list = try await api.get("/relationships", as: "an")
            #expect(list.json["items"].array.compactMap { $0["name"].string }
                    == ["Mới", "Đã liên hệ", "Báo giá", "Chốt", "Đã mua hàng", "Cần chăm sóc lại"])
            let created = try await api.post("/relationships", ##"{"name": "Tiềm năng", "color": "#1e88e5", "description": "Khách tiềm năng"}"##)
            #expect(created.status == 201, "\(created)")
            #expect(created.json["color"].string == "#1E88E5" && created.json["position"].int == 7)
            let id = try #require(created.json["id"].int)

            let edited = try await api.patch("/relationships/\(id)", #"{"description": null, "name": "Tiềm năng cao"}"#)
            #expect(edited.status == 200 && edited.json["description"].isNull && edited.json["name"].string == "Tiềm năng cao")

            let moved = try await api.post("/relationships/\(id)/move", #"{"position": 2}"#)
            #expect(moved.status == 200)
            #expect(moved.json["items"].array.compactMap { $0["name"].string }.prefix(3) == ["Mới", "Tiềm năng cao", "Đã liên hệ"])

            #expect(try await api.delete("/relationships/\(id)").status == 204)
            let trash = try await api.get("/relationships?deleted=true")
            #expect(trash.json["items"].array.contains { $0["id"].int == id })
            let restored = try await api.post("/relationships/\(id)/restore")
            #expect(restored.status == 200 && restored.json["deleted_at"].isNull)

            let duplicate = try await api.post("/relationships", #"{"name": "Chốt"}"#)
            #expect(duplicate.status == 409 && duplicate.errorCode == "conflict", "\(duplicate)")
            let inUse = list.json["items"].array.first { $0["name"].string == "Báo giá" }?["id"].int ?? 0
            let refused = try await api.delete("/relationships/\(inUse)")
            #expect(refused.status == 422 && refused.errorCode == "rule_refused", "\(refused)")
            let denied = try await api.post("/relationships", #"{"name": "Thử"}"#, as: "an")
            #expect(denied.status == 403 && denied.errorMessage == "permission denied: settings.manage", "\(denied)")
        }
    }

    @Test("orders: create, read, list by customer and kind; a sales rep sees only their customers' orders")
    func orders() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { api in
            let mine = try await api.get("/customers?owner=an&limit=1", as: "an")
            let customer = try #require(mine.json["items"][0]["id"].int)
            let order = try await api.post("/orders", """
                {"customer": \(customer), "kind": "purchase", "lines": [{"product": "Giấy in", "quantity": 2.5, "price": 100000}]}
                """, as: "an")
            #expect(order.status == 201, "\(order)")
            #expect(order.json["total"].int == 250_000 && order.json["status"].string == "new" && order.json["kind"].string == "purchase")
            let id = try #require(order.json["id"].int)
            #expect(try await api.get("/orders/\(id)", as: "an").json["code"].string == order.json["code"].string)
            let listed = try await api.get("/orders?customer=\(customer)&kind=purchase", as: "an")
            #expect(listed.json["items"].array.compactMap { $0["id"].int } == [id])

            let binhsView = try await api.get("/orders/\(id)", as: "binh")
            #expect(binhsView.status == 404, "\(binhsView)")
            let all = try await api.get("/orders?limit=1000", as: "binh")
            #expect(!all.json["items"].array.contains { $0["id"].int == id })
            let badKind = try await api.get("/orders?kind=gift")
            #expect(badKind.status == 400 && badKind.errorMessage?.contains("kind") == true)
        }
    }

    @Test("users, roles and departments: everyone reads, users.manage changes")
    func directory() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { api in
            let users = try await api.get("/users", as: "an")
            #expect(Set(users.json["items"].array.compactMap { $0["login"].string }) == ["admin", "leader", "an", "binh", "automation"])
            let department = try await api.post("/departments", #"{"name": "Kinh doanh Đà Nẵng", "parent": "Kinh doanh"}"#)
            #expect(department.status == 201 && department.json["parent_id"].int != nil, "\(department)")
            let role = try await api.post("/roles", #"{"name": "intern", "permissions": ["customers.read"], "scope": "own"}"#)
            #expect(role.status == 201 && role.json["permissions"].array.compactMap(\.string) == ["customers.read"], "\(role)")
            let user = try await api.post("/users", #"{"login": "chau", "name": "Phạm Minh Châu", "department": "Kinh doanh Đà Nẵng", "role": "intern"}"#)
            #expect(user.status == 201 && user.json["department"].string == "Kinh doanh Đà Nẵng", "\(user)")
            #expect(try await api.get("/roles", as: "an").json["items"].array.contains { $0["name"].string == "intern" })
            #expect(try await api.get("/departments", as: "an").json["items"].array.count == 4)

            let denied = try await api.post("/users", #"{"login": "x", "role": "sales"}"#, as: "leader")
            #expect(denied.status == 403 && denied.errorMessage == "permission denied: users.manage")
            let badScope = try await api.post("/roles", #"{"name": "r", "permissions": [], "scope": "galaxy"}"#)
            #expect(badScope.status == 400 && badScope.errorMessage?.contains("scope") == true, "\(badScope)")
            let unknownRole = try await api.post("/users", #"{"login": "y", "role": "nobody"}"#)
            #expect(unknownRole.status == 400 && unknownRole.errorCode == "invalid", "\(unknownRole)")
        }
    }
}
