/// What the server and the CLI show about one plugin (plugin-api.md section 8).
public struct PluginStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case loaded, failed
    }

    public var name: String
    /// The version serving now (or the one that failed, when none serves).
    public var version: String?
    public var state: State
    /// Why the last load failed; nil when it loaded.
    public var error: String?
    public var enabled: Bool
    public var invocations: Int
    public var errors: Int
    public var timeouts: Int
    /// The plugin's folder.
    public var path: String
}
