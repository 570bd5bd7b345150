import CRMCore
import CRMStore
import Foundation
import Testing

/// A real tenant on a real SQLite database (in memory unless a path is given), with a clock
/// that moves only when a test moves it, and a small company around an acting user:
///
///     departments: Sales > Sales HN, Support
///     users: admin (all), actor (Sales, role "tested"), mate (Sales), junior (Sales HN), outsider (Support)
struct TestTenant {
    let crm: CRM
    let clock: ManualClock
    let admin = Identity.user("admin")

    /// 2026-01-01T00:00:00+07:00
    static let start: Int64 = 1_767_200_400

    init(store: (any TenantStore)? = nil, actorPermissions: Set<Permission> = Set(Permission.allCases), actorScope: Scope = .all) throws {
        clock = ManualClock(start: Self.start)
        crm = CRM(store: try store ?? SQLiteTenantStore.inMemory(), clock: clock)
        try crm.directory.bootstrap(adminLogin: "admin")
        let directory = crm.directory
        try directory.createDepartment(name: "Sales", by: admin)
        try directory.createDepartment(name: "Sales HN", parent: "Sales", by: admin)
        try directory.createDepartment(name: "Support", by: admin)
        try directory.createRole(name: "tested", permissions: actorPermissions, scope: actorScope, by: admin)
        try directory.createRole(name: "staff", permissions: [.customersRead], scope: .own, by: admin)
        try directory.createUser(login: "actor", department: "Sales", role: "tested", by: admin)
        try directory.createUser(login: "mate", department: "Sales", role: "staff", by: admin)
        try directory.createUser(login: "junior", department: "Sales HN", role: "staff", by: admin)
        try directory.createUser(login: "outsider", department: "Support", role: "staff", by: admin)
    }

    /// Creates a customer as admin.
    @discardableResult
    func customer(_ name: String = "Nguyễn Gia Khương", owner: String? = "admin", viewers: [String] = [],
                  sharedWith: [String] = [], relationship: String? = nil, referrer: Int64? = nil) throws -> Customer {
        try crm.customers.create(NewCustomer(name: name, relationship: relationship, owner: owner.map(OwnerChoice.user) ?? .nobody,
                                             viewers: viewers, sharedWith: sharedWith, referrer: referrer), by: admin)
    }

    /// Every event published while `body` runs.
    func events(during body: () throws -> Void) rethrows -> [DomainEvent] {
        let recorder = EventRecorder()
        let token = crm.events.subscribe { recorder.append($0) }
        defer { crm.events.unsubscribe(token) }
        try body()
        return recorder.events
    }

    /// Customer count straight from the database, ignoring every permission.
    func customerCount() throws -> Int {
        try crm.customers.find(CustomerQuery(orderBy: .id, limit: 1000), by: admin).count
    }
}

/// Collects what subscribers of the bus (which may call from any thread) note down.
final class Recorder<Item>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Item] = []
    func append(_ item: Item) { lock.withLock { stored.append(item) } }
    var items: [Item] { lock.withLock { stored } }
}

/// Collects events from the bus.
typealias EventRecorder = Recorder<DomainEvent>

extension Recorder where Item == DomainEvent {
    var events: [DomainEvent] { items }
    var kinds: [DomainEvent.Kind] { events.map(\.kind) }
}

/// The error a call throws, as a `CRMError`, or nil when it succeeds.
func crmError<T>(_ body: () throws -> T) -> CRMError? {
    do {
        _ = try body()
        return nil
    } catch let error as CRMError {
        return error
    } catch {
        Issue.record("expected a CRMError, got \(error)")
        return nil
    }
}
