import CRMCore
import LuaRuntime
@testable import PluginHost
import Testing

/// The event tables a delivery pushes straight onto the stack are the tables the `crm` calls
/// return as `LuaValue`s: a hook's `event.customer` and `crm.customers.get` agree field for field.
@Suite("Snapshots pushed onto the stack")
struct SnapshotPushingTests {
    static let full = Customer(
        id: 7, code: "KH000007", name: "Trần Thu Hà", phone: "0912345678", email: "ha@example.vn", relationship: "Đã liên hệ",
        owner: "an", department: "Kinh doanh", viewers: ["binh", "leader"], sharedWith: ["automation"], referrer: 3,
        points: 250, source: "Zalo", createdAt: 1_767_200_400, updatedAt: 1_767_286_800, lastOrderAt: 1_767_250_000,
        fields: ["tier": .string("Vàng"), "score": .double(4.5), "visits": .integer(12), "vip": .bool(true)], deletedAt: nil)

    static let sparse = Customer(
        id: 8, code: "KH000008", name: "Lê Văn Bảy", phone: nil, email: nil, relationship: "Mới", owner: nil, department: nil,
        viewers: [], sharedWith: [], referrer: nil, points: 0, source: nil, createdAt: 1_767_200_400, updatedAt: 1_767_200_400,
        lastOrderAt: nil, fields: [:], deletedAt: nil)

    @Test("a pushed customer equals its LuaValue snapshot", arguments: [full, sparse])
    func customer(_ customer: Customer) throws {
        let lua = try LuaState()
        let pushed = try lua.readBack { LuaSnapshots.push(customer, $0) }
        #expect(pushed == LuaSnapshots.customer(customer))
    }

    @Test("a pushed update event carries before, changes with from/to, and the customer")
    func updateEvent() throws {
        let changes = Self.sparse.changes(since: Self.full)
        let event = DomainEvent(kind: .customerUpdated, actor: .plugin("tiers", runAs: "automation", permissions: []), at: 1_767_300_000,
                                customer: Self.sparse, before: Self.full, changes: changes)
        let lua = try LuaState()
        let table = try #require(try lua.readBack { LuaSnapshots.push(event, $0) }.table)
        #expect(table["name"] == "customer_updated")
        #expect(table["actor"] == "plugin:tiers")
        #expect(table["source"] == "plugin")
        #expect(table["at"] == .integer(1_767_300_000))
        #expect(table["before"] == LuaSnapshots.customer(Self.full))
        #expect(table["customer"] == LuaSnapshots.customer(Self.sparse))
        #expect(table["changes"] == LuaSnapshots.changes(changes))
        #expect(table["changes"].table?["phone"].table?["from"] == "0912345678")
        #expect(table["changes"].table?["phone"].table?["to"] == .nil_)
    }

    @Test("every event kind's hook is on_ and its name, literal names match the raw ones, and ordinals are distinct")
    func hookNames() {
        for kind in DomainEvent.Kind.allCases {
            #expect(kind.hookName == "on_" + kind.rawValue)
            #expect(kind.literalName.description == kind.rawValue)
        }
        for source in ChangeSource.allCases { #expect(source.literalName.description == source.rawValue) }
        #expect(Set(DomainEvent.Kind.allCases.map(\.ordinal)).count == DomainEvent.Kind.allCases.count)
    }
}
