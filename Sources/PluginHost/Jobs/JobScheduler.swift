import CRMCore
import Foundation
import Logging

/// The scheduler `lantern serve` runs for each tenant: a thread of its own that runs due jobs in
/// due order (plugin-api.md section 4), sleeping until the next one is due (at most `pollInterval`,
/// so jobs scheduled meanwhile are seen), never on Swift's cooperative pool (design.md rule 8).
public final class JobScheduler: @unchecked Sendable {
    public let host: PluginHost
    let pollInterval: TimeInterval
    private let logger: Logger
    private let condition = NSCondition()
    private var stopping = false
    private var woken = false
    private var thread: Thread?

    public init(host: PluginHost, pollInterval: TimeInterval = 1, logger: Logger = Logger(label: "lantern.scheduler")) {
        self.host = host
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// Starts the thread; jobs already due run at once.
    public func start() {
        condition.withLock {
            guard thread == nil else { return }
            stopping = false
            let thread = Thread { [self] in loop() }
            thread.name = "lantern.scheduler"
            self.thread = thread
            thread.start()
        }
    }

    /// Looks for due jobs now rather than at the next poll.
    public func wake() {
        condition.withLock {
            woken = true
            condition.signal()
        }
    }

    /// Stops after the job running now (if any) has committed; returns once the thread ended.
    public func stop() {
        let running: Thread? = condition.withLock {
            stopping = true
            condition.signal()
            return thread
        }
        guard running != nil else { return }
        while condition.withLock({ thread != nil }) { Thread.sleep(forTimeInterval: 0.005) }
    }

    private func loop() {
        while !condition.withLock({ stopping }) {
            do {
                while !condition.withLock({ stopping }), let outcome = try host.runNextDueJob(at: host.crm.clock.now()) {
                    if let error = outcome.error {
                        logger.warning("job failed", metadata: ["plugin": "\(outcome.job.plugin)", "handler": "\(outcome.job.handler)",
                                                                "attempt": "\(outcome.job.failedAttempts)", "error": "\(error)"])
                    }
                }
            } catch {
                logger.error("scheduler could not run jobs: \(error)")
            }
            condition.withLock {
                if !woken && !stopping { _ = condition.wait(until: Date().addingTimeInterval(pollInterval)) }
                woken = false
            }
        }
        condition.withLock { thread = nil }
    }
}
