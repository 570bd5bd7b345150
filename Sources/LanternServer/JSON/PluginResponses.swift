import CRMCore
import CustomerImport
import PluginHost

// The JSON shapes of plugin statuses and logs, jobs and import reports (openapi/lantern.yaml).

struct PluginStatusBody: Encodable, Sendable {
    let status: PluginStatus
    enum CodingKeys: String, CodingKey { case name, version, state, error, enabled, invocations, errors, timeouts }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status.name, forKey: .name)
        try container.encode(status.version, forKey: .version)
        try container.encode(status.state.rawValue, forKey: .state)
        try container.encode(status.error, forKey: .error)
        try container.encode(status.enabled, forKey: .enabled)
        try container.encode(status.invocations, forKey: .invocations)
        try container.encode(status.errors, forKey: .errors)
        try container.encode(status.timeouts, forKey: .timeouts)
    }
}

struct PluginLogBody: Encodable, Sendable {
    let line: PluginLogLine
    enum CodingKeys: String, CodingKey { case at, level, message }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(line.at, forKey: .at)
        try container.encode(line.level, forKey: .level)
        try container.encode(line.message, forKey: .message)
    }
}

struct JobBody: Encodable, Sendable {
    let job: Job
    enum CodingKeys: String, CodingKey {
        case id, plugin, key, handler, payload, status, attempts, error
        case dueAt = "due_at", createdAt = "created_at"
    }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(job.id, forKey: .id)
        try container.encode(job.plugin, forKey: .plugin)
        try container.encode(job.key, forKey: .key)
        try container.encode(job.handler, forKey: .handler)
        try container.encode(job.payload, forKey: .payload)
        try container.encode(job.status.rawValue, forKey: .status)
        try container.encode(job.failedAttempts, forKey: .attempts)
        try container.encode(job.lastError, forKey: .error)
        try container.encode(job.dueAt, forKey: .dueAt)
        try container.encode(job.createdAt, forKey: .createdAt)
    }
}

struct ImportReportBody: Encodable, Sendable {
    let report: ImportReport
    enum CodingKeys: String, CodingKey { case created, overridden, skipped, failed }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(report.created, forKey: .created)
        try container.encode(report.overridden, forKey: .overridden)
        try container.encode(report.skipped, forKey: .skipped)
        try container.encode(report.failed, forKey: .failed)
    }
}
