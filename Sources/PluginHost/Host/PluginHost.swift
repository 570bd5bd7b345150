import CRMCore
import Foundation
import LuaRuntime

/// Runs one tenant's plugins: loads them, delivers the CRM's domain events to their hooks
/// (plugin-api.md section 3), each invocation in a savepoint of the change's transaction
/// (section 7), records the ledger and logs, and swaps versions atomically (section 8).
///
/// ```swift
/// let host = PluginHost(crm: crm, folder: URL(fileURLWithPath: "plugins/demo"))
/// host.loadAll()
/// try crm.customers.create(NewCustomer(name: "Nguyễn Gia Khương"), by: .user("an"))   // hooks run
/// ```
public final class PluginHost: @unchecked Sendable {
    public let crm: CRM
    /// The tenant's plugins folder (`plugins/<tenant>`).
    public let folder: URL
    let ceilings: PluginLimits

    /// Guards `slots`; invocations themselves run on the thread of the change's transaction.
    let lock = NSLock()
    var slots: [String: PluginSlot] = [:]
    /// The invocation running now (they never nest: see `deliver`).
    var running: Invocation?
    /// Events waiting for plugins, in the order they happened, and whether a call is running them.
    var queue: [PendingEvent] = []
    var draining = false
    var nextInvocationId = 0
    private var subscription: Int?
    /// Runs after a job's handler and bookkeeping, before their transaction commits: the tests'
    /// way to simulate a crash at that instant (throwing rolls everything back).
    var beforeJobCommit: ((Job) throws -> Void)?
    /// `[config]` tables that replace the manifest's keys, by plugin folder name (the harness's
    /// `lt.tenant{ config = ... }`).
    var configOverrides: [String: LuaTable] = [:]

    public init(crm: CRM, folder: URL, ceilings: PluginLimits = .ceilings) {
        self.crm = crm
        self.folder = folder
        self.ceilings = ceilings
        subscription = crm.events.subscribe { [weak self] event in try self?.deliver(event) }
    }

    deinit { if let subscription { crm.events.unsubscribe(subscription) } }

    // MARK: Loading

    /// Loads (or reloads) every plugin folder under `folder` and unloads plugins whose folder is gone.
    @discardableResult
    public func loadAll() -> [PluginStatus] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let present = names.filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).appendingPathComponent("plugin.toml").path) }
        for name in present.sorted() { load(folder: folder.appendingPathComponent(name)) }
        let gone = lock.withLock { slots.values.filter { !present.contains($0.folder.lastPathComponent) }.map(\.key) }
        for key in gone { unload(key) }
        return statuses()
    }

    /// Validates the plugin in `pluginFolder` and swaps it in; a failed version leaves the old one
    /// serving, with the error in its status.
    @discardableResult
    public func load(folder pluginFolder: URL) -> PluginStatus {
        let key = pluginFolder.lastPathComponent
        let slot = lock.withLock { () -> PluginSlot in
            if let slot = slots[key] { return slot }
            let slot = PluginSlot(key: key, folder: pluginFolder)
            slots[key] = slot
            return slot
        }
        do {
            var bundle = try PluginBundle.read(from: pluginFolder, ceilings: try tenantCeilings())
            if let override = configOverrides[key] { bundle.manifest.config.entries.merge(override.entries) { _, new in new } }
            try check(bundle, key: key)
            let instance = try PluginInstance(bundle: bundle, crm: crm, log: slot.log)
            lock.withLock {
                slot.instance = instance
                slot.error = nil
                slot.failedVersion = nil
            }
            instance.append("info", "loaded version \(bundle.manifest.version) with hooks: \(instance.hooks.sorted().joined(separator: ", "))")
        } catch {
            let message = String(describing: error)
            lock.withLock {
                slot.error = message
            }
            slot.log.append(PluginLogLine(at: crm.clock.now(), plugin: key, level: "error", message: "not loaded: \(message)"))
        }
        return lock.withLock { slot.status }
    }

    /// The host's ceilings, lowered by the tenant admin's where those are lower.
    private func tenantCeilings() throws -> PluginLimits {
        let tenant = try crm.pluginSettings.ceilings()
        var limits = ceilings
        limits.timeMilliseconds = min(limits.timeMilliseconds, tenant.timeMilliseconds)
        limits.memoryMegabytes = min(limits.memoryMegabytes, tenant.memoryMegabytes)
        return limits
    }

    /// What must hold against the tenant: a unique name, and a `run_as` user that exists.
    private func check(_ bundle: PluginBundle, key: String) throws {
        let manifest = bundle.manifest
        let file = bundle.folder.appendingPathComponent("plugin.toml").path
        let clash = lock.withLock { slots.values.first { $0.key != key && $0.instance?.manifest.name == manifest.name } }
        if let clash {
            throw ManifestError(file: file, key: "name", problem: "\"\(manifest.name)\" is already the name of the plugin in \(clash.folder.path)")
        }
        let user = try crm.store.transaction { tx in try tx.user(login: manifest.runAs) }
        if user == nil { throw ManifestError(file: file, key: "run_as", problem: "unknown user \"\(manifest.runAs)\" in this tenant") }
    }

    /// Unloads the plugin loaded from folder `key`.
    public func unload(_ key: String) {
        lock.withLock { _ = slots.removeValue(forKey: key) }
    }

    // MARK: Status and logs

    /// Every plugin's status, by name.
    public func statuses() -> [PluginStatus] {
        lock.withLock { slots.values.map(\.status) }.sorted { $0.name < $1.name }
    }

    /// One plugin's status, by name (or folder).
    public func status(of name: String) -> PluginStatus? {
        lock.withLock { slot(named: name)?.status }
    }

    /// Every plugin's log lines, oldest first.
    public func allLogs() -> [PluginLogLine] {
        lock.withLock { slots.values.flatMap { $0.log.all } }.sorted { $0.sequence < $1.sequence }
    }

    /// A plugin's log lines, oldest first.
    public func logs(of name: String) -> [PluginLogLine] {
        lock.withLock { slot(named: name) }?.log.all ?? []
    }

    func slot(named name: String) -> PluginSlot? {
        slots[name] ?? slots.values.first { $0.name == name }
    }

    // MARK: Delivering events

    /// Queues an event for every plugin with the hook (called inside the change's transaction, by
    /// the event bus) and, unless an outer call is already doing so, runs the queue.
    ///
    /// Events caused by a plugin's writes wait until its invocation has finished (and are dropped
    /// if it failed, since its writes were rolled back), so each plugin sees events in the order
    /// they happened and invocations never nest: one invocation of a plugin at a time.
    func deliver(_ event: DomainEvent) throws {
        let cause = running
        if let cause, event.actor.plugin == cause.plugin, event.kind == .customerUpdated {
            cause.record(event.changes, customer: event.customer.id)
        }
        // One look at the slots under the lock: each target with the user it runs as.
        let targets: [(slot: PluginSlot, runAs: String)] = lock.withLock {
            var found: [(slot: PluginSlot, runAs: String)] = []
            for slot in slots.values {
                guard let instance = slot.instance, instance.manifest.enabled, instance.hasHook(for: event.kind),
                      event.actor.plugin != instance.manifest.name else { continue }   // never its own writes
                found.append((slot, instance.manifest.runAs))
            }
            if found.count > 1 { found.sort { $0.slot.name < $1.slot.name } }
            return found
        }
        // Plugins often share a run_as user: ask once per user (a list: there are a few at most).
        var readableBy: [(login: String, readable: Bool)] = []
        for target in targets {
            let readable: Bool
            if let known = readableBy.first(where: { $0.login == target.runAs }) {
                readable = known.readable
            } else {
                readable = try mayRead(event.customer, as: target.runAs)
                readableBy.append((target.runAs, readable))
            }
            guard readable else { continue }
            queue.append(PendingEvent(slot: target.slot, event: event, depth: (cause?.depth ?? 0) + 1, cause: cause?.id))
        }
        guard !draining else { return }
        draining = true
        defer { draining = false }
        while !queue.isEmpty {
            try invoke(queue.removeFirst())
        }
    }

    /// Decided from the event's snapshot, taken in this transaction just now.
    private func mayRead(_ customer: Customer, as login: String) throws -> Bool {
        do {
            return try crm.customers.isReadable(customer, by: .user(login, source: .plugin))
        } catch is CRMError {
            return false
        }
    }

    /// Runs one hook in its own savepoint and records it.
    func invoke(_ pending: PendingEvent) throws {
        let slot = pending.slot
        guard let instance = lock.withLock({ slot.instance }) else { return }
        let event = pending.event
        // Inside the change's transaction: the hook's savepoint opens when it first reaches the store.
        let invocation = makeInvocation(of: instance, for: event, depth: pending.depth, deferringWrites: true)
        running = invocation
        let clock = ContinuousClock()
        let started = clock.now
        var failure: Error?
        do {
            try call(instance, with: event, for: invocation)
            try invocation.writes.finish()
        } catch {
            invocation.writes.abandon()
            failure = error
            // What its writes caused was rolled back with them.
            queue.removeAll { $0.cause == invocation.id }
        }
        running = nil
        try finish(invocation, of: instance, in: slot, failure: failure, elapsed: clock.now - started)
    }

    private func makeInvocation(of instance: PluginInstance, for event: DomainEvent, depth: Int, deferringWrites: Bool) -> Invocation {
        nextInvocationId += 1
        return Invocation(
            id: nextInvocationId, plugin: instance.manifest.name, version: instance.manifest.version, hook: event.kind.hookName,
            depth: depth, identity: instance.identity, customer: event.customer.id,
            writes: InvocationWrites(crm: crm, deferring: deferringWrites))
    }

    /// Runs the hook with the event's table: the Lua half of an invocation, no store involved.
    private func call(_ instance: PluginInstance, with event: DomainEvent, for invocation: Invocation) throws {
        try instance.runHook(for: event.kind, for: invocation, seed: Self.seed(event, base: instance.seedBase)) { w in
            LuaSnapshots.push(event, w)
            return 1
        }
    }

    /// Calls plugin `name`'s hook for `event` the way a delivery does (a new invocation as its
    /// `run_as` user, the event's table, the plugin's limits) but outside any transaction, with no
    /// readability check and no ledger entry: the dispatch `lantern bench` measures. Calls the
    /// hook makes into the `crm` API still go through the services, each in its own transaction.
    ///
    /// `times` calls in a row, each a whole invocation of its own, with the plugin looked up once
    /// (as a delivery has its plugin in hand already, and as the bench's C floor loops in C).
    public func callHook(of name: String, for event: DomainEvent, times: Int = 1) throws {
        guard let (slot, instance) = lock.withLock({ slot(named: name).flatMap { slot in slot.instance.map { (slot, $0) } } }) else {
            throw PluginLoadError(file: folder.appendingPathComponent(name).path, problem: "plugin '\(name)' is not loaded")
        }
        guard instance.hasHook(for: event.kind) else { return }
        defer { running = nil }
        for _ in 0..<times {
            // Outside any transaction: each call the hook makes runs in a transaction of its own.
            let invocation = makeInvocation(of: instance, for: event, depth: 1, deferringWrites: false)
            running = invocation
            do {
                try call(instance, with: event, for: invocation)
            } catch let error as LuaError where error.discardsState {
                restart(slot, after: instance)
                throw error
            }
        }
    }

    /// Records the invocation in the ledger and the status; a state that hit a limit is replaced.
    func finish(_ invocation: Invocation, of instance: PluginInstance, in slot: PluginSlot,
                        failure: Error?, elapsed: Duration) throws {
        let message = failure.map { String(describing: $0) }
        let discard = (failure as? LuaError)?.discardsState == true
        lock.withLock {
            slot.invocations += 1
            if failure != nil { slot.errors += 1 }
            if (failure as? LuaError)?.kind == .timeLimit { slot.timeouts += 1 }
        }
        if let message { instance.append("error", "\(invocation.hook) failed: \(message)") }
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let entry = LedgerEntry(at: crm.clock.now(), plugin: invocation.plugin, version: invocation.version, hook: invocation.hook,
                                status: failure == nil ? .ok : .error, error: message, durationMilliseconds: milliseconds,
                                customer: invocation.customer, changes: failure == nil ? invocation.changes : [:])
        // No savepoint: a failure here throws out of the delivery and fails the change that fired it.
        try crm.store.writeInPlace { tx in try tx.appendLedger(entry) }
        if discard { restart(slot, after: instance) }
    }

    /// Starts a plugin afresh after a limit: its state is never reused (design.md rule 7).
    private func restart(_ slot: PluginSlot, after instance: PluginInstance) {
        do {
            let fresh = try PluginInstance(bundle: instance.bundle, crm: crm, log: slot.log)
            lock.withLock { if slot.instance === instance { slot.instance = fresh } }
        } catch {
            lock.withLock {
                if slot.instance === instance {
                    slot.instance = nil
                    slot.failedVersion = instance.manifest.version
                    slot.error = "could not restart after a limit: \(error)"
                }
            }
        }
    }

    /// The seed of `math.random` for one event: the same event draws the same numbers.
    static func seed(_ event: DomainEvent, base: SeedHash) -> Int64 {
        var seed = base
        seed.add(event.kind.ordinal)
        seed.add(event.customer.id)
        seed.add(event.at)
        seed.add(event.order?.id ?? 0)
        return seed.value
    }
}

/// A seed hashed from a few values (64-bit FNV-1a over string bytes and whole numbers, a
/// separator after each):
/// stable across runs and machines, and built without formatting a string.
struct SeedHash {
    private var hash: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        for byte in text.utf8 { mix(byte) }
        mix(0x7c)
    }

    /// Numbers go in as whole 64-bit words (one multiply each, not one per byte).
    mutating func add(_ number: Int64) {
        hash = (hash ^ UInt64(bitPattern: number)) &* 0x100_0000_01b3
        mix(0x7c)
    }

    private mutating func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }

    var value: Int64 { Int64(bitPattern: hash) }
}

/// An event waiting for one plugin.
struct PendingEvent {
    let slot: PluginSlot
    let event: DomainEvent
    /// 1 for a person's change; one more than the invocation whose write caused it.
    let depth: Int
    /// The invocation whose write caused it, if any.
    let cause: Int?
}

/// One plugin folder of the tenant: the version serving now, its counters and log.
final class PluginSlot {
    let key: String
    let folder: URL
    let log = PluginLog()
    var instance: PluginInstance?
    var error: String?
    var failedVersion: String?
    var invocations = 0
    var errors = 0
    var timeouts = 0

    init(key: String, folder: URL) {
        self.key = key
        self.folder = folder
    }

    var name: String { instance?.manifest.name ?? key }

    var status: PluginStatus {
        PluginStatus(name: name, version: instance?.manifest.version ?? failedVersion, state: instance == nil ? .failed : .loaded,
                     error: error, enabled: instance?.manifest.enabled ?? false, invocations: invocations, errors: errors,
                     timeouts: timeouts, path: folder.path)
    }
}
