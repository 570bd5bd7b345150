import CRMCore
import Foundation
import Testing
@testable import CRMStore

/// The audit log's hand-written JSON must read back as the snapshot that was written.
@Suite("Snapshot JSON")
struct SnapshotJSONTests {
    @Test("snapshots round-trip through the hand-written JSON exactly")
    func roundTrip() throws {
        let snapshot: [String: SnapshotValue] = [
            "name": .string("Nguyễn \"Gia\" Khương \\ / \n\t\r\u{01}\u{1F}"),
            "emoji": .string("Đã mua hàng 🛒"), "empty": .string(""),
            "id": .integer(Int64.max), "negative": .integer(Int64.min), "zero": .integer(0),
            "rate": .double(4.5), "tiny": .double(1e-7), "huge": .double(1.5e300), "third": .double(1.0 / 3.0),
            "vip": .bool(true), "closed": .bool(false),
            "viewers": .array([.string("an"), .string("binh")]), "nothing": .array([]),
            "fields": .object(["tỉnh": .object(["s": .string("Hà Nội")]), "hạng": .object(["i": .integer(2)])]),
        ]
        let text = try SnapshotJSON.text(snapshot)
        let decoded: [String: SnapshotValue] = try JSONText.decode(text)
        #expect(decoded == snapshot)
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any], "valid JSON for any reader")
    }

    @Test("a customer written from its properties is byte for byte its snapshot's JSON", arguments: [
        Customer(id: 1, code: "KH000001", name: "Nguyễn \"Gia\" Khương\n", phone: nil, email: nil, relationship: "Đã liên hệ",
                 owner: nil, department: nil, viewers: [], sharedWith: [], referrer: nil, points: 0, source: nil,
                 createdAt: 1_763_790_000, updatedAt: 1_763_790_000, lastOrderAt: nil, fields: [:], deletedAt: nil),
        Customer(id: Int64.max, code: "VIP-7", name: "Trần Thị Bích", phone: "0901234567", email: "bich@example.vn",
                 relationship: "Đã mua hàng 🛒", owner: "an", department: "Kinh doanh Hà Nội", viewers: ["binh", "an"],
                 sharedWith: ["leader"], referrer: 42, points: -5, source: "website", createdAt: 0, updatedAt: 1,
                 lastOrderAt: 1_763_800_000,
                 fields: ["tỉnh": .string("Hà Nội"), "hạng": .integer(2), "rate": .double(0.1), "vip": .bool(true), "a\u{01}": .string("")],
                 deletedAt: 99),
    ])
    func customerStraight(customer: Customer) throws {
        #expect(try SnapshotJSON.text(customer) == SnapshotJSON.text(customer.snapshot))
        let decoded: [String: SnapshotValue] = try JSONText.decode(try SnapshotJSON.text(customer))
        #expect(decoded == customer.snapshot)
    }

    @Test("a customer's custom field JSON cannot hold is refused, naming the field")
    func customerNotFinite() {
        let customer = Customer(id: 1, code: "KH1", name: "A", phone: nil, email: nil, relationship: "Mới", owner: nil,
                                department: nil, viewers: [], sharedWith: [], referrer: nil, points: 0, source: nil, createdAt: 0,
                                updatedAt: 0, lastOrderAt: nil, fields: ["score": .double(.nan)], deletedAt: nil)
        #expect(throws: SnapshotJSON.NotFinite.self) { try SnapshotJSON.text(customer) }
    }

    @Test("a number JSON cannot hold is refused, naming the field")
    func notFinite() {
        #expect(throws: SnapshotJSON.NotFinite.self) { try SnapshotJSON.text(["score": .double(.nan)]) }
        #expect(throws: SnapshotJSON.NotFinite.self) { try SnapshotJSON.text(["fields": .object(["x": .double(.infinity)])]) }
    }
}
