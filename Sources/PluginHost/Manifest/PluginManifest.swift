import CRMCore
import LuaRuntime

/// A plugin's `plugin.toml`, validated (plugin-api.md section 2).
///
/// ```toml
/// name        = "auto-reclaim"
/// version     = "1.2.0"
/// run_as      = "automation"
/// permissions = ["customers.read", "customers.assign"]
/// [limits]
/// time_ms = 100
/// [config]
/// leader = "leader"
/// ```
public struct PluginManifest: Sendable, Equatable {
    public var name: String
    public var version: String
    public var description: String?
    /// The login of the user the plugin acts as.
    public var runAs: String
    public var permissions: Set<Permission>
    /// When false the plugin stays loaded but receives nothing.
    public var enabled: Bool
    public var limits: PluginLimits
    /// `[config]`, exposed read-only as `crm.config`.
    public var config: LuaTable

    public init(name: String, version: String, description: String? = nil, runAs: String, permissions: Set<Permission>,
                enabled: Bool = true, limits: PluginLimits = PluginLimits(), config: LuaTable = LuaTable()) {
        self.name = name
        self.version = version
        self.description = description
        self.runAs = runAs
        self.permissions = permissions
        self.enabled = enabled
        self.limits = limits
        self.config = config
    }
}

/// The budgets of one plugin: per invocation (time, log lines) and per state (memory).
public struct PluginLimits: Sendable, Equatable {
    /// Wall time of one hook or job invocation.
    public var timeMilliseconds: Int
    /// The heap of the plugin's Lua state.
    public var memoryMegabytes: Int
    /// Log lines kept per invocation; the rest are counted.
    public var logLines: Int

    public init(timeMilliseconds: Int = 100, memoryMegabytes: Int = 32, logLines: Int = 200) {
        self.timeMilliseconds = timeMilliseconds
        self.memoryMegabytes = memoryMegabytes
        self.logLines = logLines
    }

    /// The ceilings a manifest may ask for (a tenant admin may set lower ones).
    public static let ceilings = PluginLimits(timeMilliseconds: 1000, memoryMegabytes: 256, logLines: 10_000)
}
