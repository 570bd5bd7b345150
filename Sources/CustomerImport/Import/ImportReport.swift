/// What an import did: how many customers it created and overrode, which rows it skipped because
/// their code already existed, and which rows it refused (written nowhere) with the reason.
public struct ImportReport: Sendable, Equatable, Codable {
    /// A row not imported, with the line it came from.
    public struct Row: Sendable, Equatable, Codable {
        public var line: Int
        /// Why: for a skipped row, the customer code that exists; for a failed row, what was wrong.
        public var reason: String

        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }
    }

    public var created = 0
    public var overridden = 0
    public var skipped: [Row] = []
    public var failed: [Row] = []

    public init() {}

    /// One line for people: `created 12, overridden 0, skipped 3, failed 1`.
    public var summary: String {
        "created \(created), overridden \(overridden), skipped \(skipped.count), failed \(failed.count)"
    }
}
