import CRMCore
import Foundation
import PluginHost

/// `job_fire_per_s`: due jobs fired by the scheduler's loop (`PluginHost.runDueJobs`), each in
/// its own durable transaction with its handler run, its deletion and its ledger entry.
enum JobFireBench {
    static let handler = """
        local M = {}
        function M.follow_up(payload, job)
          if payload.customer ~= 42 or job.attempt ~= 1 then error("unexpected job") end
        end
        return M
        """

    static func measure(_ settings: BenchSettings) throws -> [BenchMetric] {
        let workspace = try BenchWorkspace("jobs")
        let crm = try workspace.demoTenant("jobs").crm
        let folder = try workspace.writePlugin(tenant: "jobs", name: "follow-up", runAs: "automation", main: handler)
        let host = PluginHost(crm: crm, folder: folder)
        guard host.loadAll().allSatisfy({ $0.state == .loaded }) else { throw BenchError("the job plugin did not load") }

        let count = settings.jobs
        let now = crm.clock.now()
        // The payload { customer = 42 } in the host's exact encoding.
        let payload = #"{"t":[{"k":{"s":"customer"},"v":{"i":42}}]}"#
        try crm.store.transaction { tx in
            for i in 0..<count {
                try tx.insertJob(Job(id: try tx.reserveJobId(), plugin: "follow-up", key: "follow-up:\(i)", handler: "follow_up", payload: payload,
                                         dueAt: now - 60, createdAt: now - 120))
            }
        }
        var fired = 0
        let seconds = try Timing.seconds { fired = try host.runDueJobs(at: now).count }
        let failed = try crm.jobs.jobs(status: .failed).count
        guard fired == count, failed == 0 else { throw BenchError("fired \(fired) of \(count) jobs, \(failed) failed") }
        return [BenchMetric("job_fire_per_s", Double(count) / seconds, unit: "/s",
                            detail: "\(count) due jobs fired, one durable transaction each (handler, deletion, ledger)")]
    }
}
