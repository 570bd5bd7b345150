import Foundation
import Testing

/// Percent-encodes a query value (Vietnamese relationship names travel as UTF-8 bytes).
func query(_ value: String) -> String {
    value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
}

@Suite("API: the demo flow")
struct DemoFlowTests {
    @Test("a sale order over HTTP turns the customer \"Đã mua hàng\" through the demo plugin, shown in its ledger")
    func saleOrderMarksBuyer() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { api in
            let contacted = try await api.get("/customers?owner=an&relationship=\(query("Đã liên hệ"))&limit=1", as: "an")
            #expect(contacted.status == 200, "\(contacted)")
            let customer = try #require(contacted.json["items"][0]["id"].int)
            #expect(contacted.json["items"][0]["relationship"].string == "Đã liên hệ")

            let order = try await api.post("/orders", """
                {"customer": \(customer), "kind": "sale", "status": "completed",
                 "lines": [{"product": "Gói phần mềm CRM", "quantity": 1, "price": 4500000}]}
                """, as: "an")
            #expect(order.status == 201, "\(order)")
            #expect(order.json["total"].int == 4_500_000)
            #expect(order.json["lines"][0]["product"].string == "Gói phần mềm CRM")

            let after = try await api.get("/customers/\(customer)", as: "an")
            #expect(after.json["relationship"].string == "Đã mua hàng", "\(after)")

            let ledger = try await api.get("/customers/\(customer)/ledger", as: "an")
            #expect(ledger.status == 200)
            let markBuyer = ledger.json["items"].array.first { $0["plugin"].string == "mark-buyer" }
            #expect(markBuyer?["hook"].string == "on_order_created")
            #expect(markBuyer?["status"].string == "ok")
            #expect(markBuyer?["changes"]["relationship"]["from"].string == "Đã liên hệ")
            #expect(markBuyer?["changes"]["relationship"]["to"].string == "Đã mua hàng")
        }
    }
}
