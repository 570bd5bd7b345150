import CRMCore

/// The `customer_created` event of the dispatch measurement: a 15-field customer snapshot with
/// the very values the C floor builds (`lantern_floor_push_event`; a test compares the two tables).
enum BenchEvent {
    static let customer = Customer(
        id: 42, code: "KH000042", name: "Nguyễn Gia Khương", phone: "0901234567", email: "khuong@example.vn",
        relationship: "Mới", owner: "an", department: "Kinh doanh Hà Nội", viewers: ["binh"], sharedWith: [],
        referrer: nil, points: 120, source: "website", createdAt: 1_763_790_000, updatedAt: 1_763_800_000,
        lastOrderAt: nil, fields: ["kenh": .string("Facebook")], deletedAt: nil)

    static let event = DomainEvent(kind: .customerCreated, actor: .user("an"), at: 1_763_800_000, customer: customer)

    /// The trivial plugin: it reads one field of the snapshot and counts.
    static let trivialPlugin = """
        local M = {}
        local seen = 0
        function M.on_customer_created(event)
          if event.customer.points > 100 then seen = seen + 1 end
        end
        return M
        """
}
