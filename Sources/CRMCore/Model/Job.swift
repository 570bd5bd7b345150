/// A plugin's scheduled job (plugin-api.md section 4, `crm.schedule`): when it is due, the
/// plugin's function `handler` runs with the payload.
///
/// The payload is opaque to the core: the plugin host stores it as text in its own exact encoding
/// (integers stay integers), and the core only keeps it with the job.
public struct Job: Sendable, Equatable {
    /// `pending` until it ran; `failed` after its last attempt failed or when it cannot run at all.
    /// A job that ran successfully is deleted with its handler's commit (its run is in the ledger).
    public enum Status: String, Sendable, CaseIterable {
        case pending, failed
    }

    public var id: Int64
    public var plugin: String
    /// Scheduling again with the same key replaces the plugin's pending job with that key.
    public var key: String?
    public var handler: String
    public var payload: String
    public var dueAt: Int64
    /// How many attempts already failed (the next run is attempt `failedAttempts + 1`).
    public var failedAttempts: Int
    public var status: Status
    public var lastError: String?
    public var createdAt: Int64

    public init(id: Int64 = 0, plugin: String, key: String?, handler: String, payload: String, dueAt: Int64,
                failedAttempts: Int = 0, status: Status = .pending, lastError: String? = nil, createdAt: Int64) {
        self.id = id
        self.plugin = plugin
        self.key = key
        self.handler = handler
        self.payload = payload
        self.dueAt = dueAt
        self.failedAttempts = failedAttempts
        self.status = status
        self.lastError = lastError
        self.createdAt = createdAt
    }

    /// The attempt the next run will be, counting from 1 (`job.attempt`).
    public var attempt: Int { failedAttempts + 1 }
}
