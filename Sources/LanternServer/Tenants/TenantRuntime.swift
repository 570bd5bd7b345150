import CRMCore
import Dispatch
import Foundation
import Logging
import PluginHost

/// One tenant as the server runs it: its CRM, its plugin host (with hot reload when the tenant
/// has a plugins folder) and its job scheduler, plus the thread its CRM calls run on.
///
/// CRM calls block (SQLite) and may run Lua hooks, which must never run on Swift's cooperative
/// pool (design.md rule 8), so request handlers hand them to `run`, which runs them on the
/// tenant's own serial queue: one company's slow import never holds another company's requests.
public final class TenantRuntime: Sendable {
    public let slug: String
    public let crm: CRM
    public let plugins: PluginHost
    private let scheduler: JobScheduler
    private let watcher: PluginWatcher?
    private let queue: DispatchQueue

    init(slug: String, crm: CRM, pluginsFolder: URL, logger: Logger) {
        self.slug = slug
        self.crm = crm
        queue = DispatchQueue(label: "lantern.tenant.\(slug)")
        plugins = PluginHost(crm: crm, folder: pluginsFolder)
        var schedulerLogger = logger
        schedulerLogger[metadataKey: "tenant"] = "\(slug)"
        scheduler = JobScheduler(host: plugins, logger: schedulerLogger)
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: pluginsFolder.path, isDirectory: &isFolder), isFolder.boolValue {
            do {
                let watcher = try PluginWatcher(host: plugins)
                let host = plugins
                watcher.onReload = { folders in
                    for folder in folders {
                        let status = host.status(of: folder.lastPathComponent)
                        logger.info("plugin reloaded", metadata: [
                            "tenant": "\(slug)", "plugin": "\(folder.lastPathComponent)",
                            "state": "\(status?.state.rawValue ?? "removed")", "error": "\(status?.error ?? "")",
                        ])
                    }
                }
                self.watcher = watcher
            } catch {
                logger.error("hot reload is off for this tenant", metadata: ["tenant": "\(slug)", "error": "\(error)"])
                self.watcher = nil
            }
        } else {
            watcher = nil
        }
    }

    /// Loads the plugins, then starts hot reload and the scheduler.
    func start(logger: Logger) {
        for status in plugins.loadAll() {
            logger.info("plugin \(status.state.rawValue)", metadata: [
                "tenant": "\(slug)", "plugin": "\(status.name)", "version": "\(status.version ?? "?")", "error": "\(status.error ?? "")",
            ])
        }
        watcher?.start()
        scheduler.start()
    }

    /// Stops hot reload and the scheduler (after the job running now), then waits for the calls
    /// already handed to `run` to finish.
    func stop() {
        watcher?.stop()
        scheduler.stop()
        queue.sync {}
    }

    /// Runs `body` on the tenant's queue and returns its result to the async caller.
    public func run<T: Sendable>(_ body: @escaping @Sendable (CRM) throws -> T) async throws -> T {
        let crm = crm
        return try await Blocking.run(on: queue) { try body(crm) }
    }

    /// Tells the scheduler to look for due jobs now (after a request scheduled some).
    func wakeScheduler() { scheduler.wake() }
}
