import CRMCore
import CRMStore
import Foundation
import Logging

/// The tenants the server runs, opened from the data folder: every tenant of the catalogue at
/// start, and any tenant created later (by `lantern tenant create`) on its first request.
public final class TenantRuntimes: Sendable {
    public let data: DataFolder
    /// The plugins root: tenant `t`'s plugins live in `<root>/t`.
    public let pluginsRoot: URL
    private let logger: Logger
    private let state = RunningTenants()

    public init(data: DataFolder, pluginsRoot: URL, logger: Logger) {
        self.data = data
        self.pluginsRoot = pluginsRoot
        self.logger = logger
    }

    /// Opens and starts every tenant of the catalogue.
    public func startAll() throws {
        for tenant in try data.catalogue.tenants() { _ = try runtime(tenant.slug) }
    }

    /// The running tenant `slug`, opened and started on first use.
    public func runtime(_ slug: String) throws -> TenantRuntime {
        let (runtime, isNew) = try state.runtime(slug) {
            TenantRuntime(slug: slug, crm: try data.tenant(slug),
                          pluginsFolder: pluginsRoot.appendingPathComponent(slug, isDirectory: true), logger: logger)
        }
        if isNew { runtime.start(logger: logger) }
        return runtime
    }

    /// Every running tenant.
    public var all: [TenantRuntime] { state.all }

    /// Stops every tenant's hot reload and scheduler and waits for their work to finish.
    public func stopAll() {
        for runtime in state.all { runtime.stop() }
    }

    /// The lock-guarded table of running tenants.
    private final class RunningTenants: @unchecked Sendable {
        private let lock = NSLock()
        private var runtimes: [String: TenantRuntime] = [:]

        var all: [TenantRuntime] { lock.withLock { runtimes.values.sorted { $0.slug < $1.slug } } }

        /// The runtime of `slug`, made under the lock when missing (so two racing requests never
        /// open a tenant twice); true when it was made now.
        func runtime(_ slug: String, orMake make: () throws -> TenantRuntime) throws -> (TenantRuntime, Bool) {
            try lock.withLock {
                if let existing = runtimes[slug] { return (existing, false) }
                let made = try make()
                runtimes[slug] = made
                return (made, true)
            }
        }
    }
}
