import Foundation
import Hummingbird
import Testing

@Suite("API: refusals, tokens, tenants")
struct RefusalTests {
    @Test("no token, a malformed header and an unknown token are 401 with a JSON body")
    func unauthorized() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { api in
            let missing = try await api.get("/customers", as: nil)
            #expect(missing.status == 401 && missing.errorCode == "unauthorized" && missing.headers[.wwwAuthenticate] == "Bearer")
            let basic = try await api.request(.get, "/customers", as: nil, headers: [.authorization: "Basic YWRtaW46YWRtaW4="])
            #expect(basic.status == 401 && basic.errorMessage?.contains("Bearer") == true)
            let unknown = try await api.request(.get, "/customers", as: nil, headers: [.authorization: "Bearer not-a-token-at-all-not-a-token-at-all"])
            #expect(unknown.status == 401 && unknown.errorMessage == "unknown or revoked token")
            #expect(try await api.get("/health", as: nil).status == 404)   // health lives outside /api/v1
        }
    }

    @Test("bad input is a 400 that says what was wrong and where", arguments: [
        ("{\"name\": ", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ("null", "must be a JSON object"),
        ("{\"nmae\": \"x\"}", "unknown field \"nmae\""),
        ("{\"name\": 42}", "field \"name\" must be a string"),
        ("{\"phone\": \"12\"}", "missing field \"name\""),
        ("{\"name\": \"A\", \"fields\": {\"x\": [1]}}", "field \"fields.x\""),
        ("{\"name\": \"A\", \"phone\": \"abc\"}", "invalid phone"),
        ("{\"name\": \"A\", \"relationship\": \"Không có\"}", "unknown relationship \"Không có\""),
        ("{\"name\": \"A\", \"owner\": \"ghost\"}", "unknown user \"ghost\""),
    ])
    func badBodies(body: String, message: String) async throws {
        let fixture = try ServerFixture(demoPlugins: false)
        try await fixture.withServer { api in
            let response = try await api.post("/customers", body)
            #expect(response.status == 400, "\(response)")
            #expect(response.errorMessage?.contains(message) == true, "\(response)")
        }
    }

    @Test("bad query parameters and ids, unknown routes, conflicts and oversized bodies")
    func otherRefusals() async throws {
        let fixture = try ServerFixture(demoPlugins: false)
        try await fixture.withServer { api in
            let badLimit = try await api.get("/customers?limit=0")
            #expect(badLimit.status == 400 && badLimit.errorMessage?.contains("\"limit\"") == true)
            #expect(try await api.get("/customers?order_by=colour").status == 400)
            #expect(try await api.get("/customers?deleted=maybe").status == 400)
            #expect(try await api.get("/customers/abc").status == 404)
            #expect(try await api.get("/customers/999999").status == 404)
            #expect(try await api.get("/nowhere").errorCode == "not_found")

            let code = try #require(try await api.get("/customers?limit=1").json["items"][0]["code"].string)
            let duplicate = try await api.post("/customers", #"{"name": "Trùng mã", "code": "\#(code)"}"#)
            #expect(duplicate.status == 409 && duplicate.errorCode == "conflict", "\(duplicate)")

            let huge = "{\"name\": \"" + String(repeating: "a", count: 1_100_000) + "\"}"
            let tooLarge = try await api.post("/customers", huge)
            #expect(tooLarge.status == 413 && tooLarge.errorCode == "too_large", "\(tooLarge.status)")
            // The server carries on.
            #expect(try await api.get("/customers?limit=1").status == 200)
        }
    }

    @Test("a sales rep reaches only their own customers: others' are 404, reading without writing is 403")
    func scope() async throws {
        let fixture = try ServerFixture(demoPlugins: false)
        try await fixture.withServer { api in
            let binhs = try #require(try await api.get("/customers?owner=binh&limit=1", as: "binh").json["items"][0]["id"].int)
            #expect(try await api.get("/customers/\(binhs)", as: "an").status == 404)
            let patched = try await api.patch("/customers/\(binhs)", #"{"name": "x"}"#, as: "an")
            #expect(patched.status == 404)
            let deleted = try await api.delete("/customers/\(binhs)", as: "an")
            #expect(deleted.status == 403 && deleted.errorMessage == "permission denied: customers.delete")
            let assign = try await api.post("/customers", #"{"name": "Khách", "owner": "binh"}"#, as: "an")
            #expect(assign.status == 403 && assign.errorMessage == "permission denied: customers.assign")
        }
    }

    @Test("no request reaches another tenant's data: ids are the token's tenant's own")
    func crossTenant() async throws {
        let fixture = try ServerFixture(demoPlugins: false)
        try await fixture.withServer { api in
            let demoCustomer = try await api.get("/customers/2")
            #expect(demoCustomer.status == 200)
            let own = try await api.post("/customers", #"{"name": "Khách của công ty khác"}"#, as: "other-admin")
            #expect(own.status == 201)
            let list = try await api.get("/customers", as: "other-admin")
            #expect(list.json["items"].array.compactMap { $0["name"].string } == ["Khách của công ty khác"])
            #expect(try await api.get("/customers/2", as: "other-admin").status == 404)
            #expect(try await api.patch("/customers/2", #"{"name": "Đổi tên"}"#, as: "other-admin").status == 404)
            #expect(try await api.delete("/customers/2", as: "other-admin").status == 404)
            #expect(try await api.get("/customers/2").json["name"].string == demoCustomer.json["name"].string)
            #expect(try await api.get("/orders/1", as: "other-admin").status == 404)
            #expect(try await api.get("/users", as: "other-admin").json["items"].array.compactMap { $0["login"].string } == ["boss"])
            #expect(try await api.get("/plugins", as: "other-admin").json["items"].array.isEmpty)
            let bulk = try await api.post("/customers/bulk-relationship", #"{"ids": [2, 3], "relationship": "Chốt"}"#, as: "other-admin")
            #expect(bulk.status == 404, "\(bulk)")
        }
    }
}
