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

    @Test("a number JSON cannot hold is refused, naming the field")
    func notFinite() {
        #expect(throws: SnapshotJSON.NotFinite.self) { try SnapshotJSON.text(["score": .double(.nan)]) }
        #expect(throws: SnapshotJSON.NotFinite.self) { try SnapshotJSON.text(["fields": .object(["x": .double(.infinity)])]) }
    }
}
