/// The tenant's own ceilings for plugin limits (plugin-api.md section 2: "a tenant admin may lower
/// the ceilings"). Stored as tenant settings; a manifest asking for more is refused at load.
public struct PluginSettingsService: Sendable {
    let crm: CRM

    /// The ceilings' upper bounds: what Lantern itself allows.
    public static let maximumTimeMilliseconds = 1000
    public static let maximumMemoryMegabytes = 256

    static let timeKey = "plugins.max_time_ms"
    static let memoryKey = "plugins.max_memory_mb"

    /// The tenant's ceilings (Lantern's own when the admin set none).
    public func ceilings() throws -> (timeMilliseconds: Int, memoryMegabytes: Int) {
        try crm.store.transaction { tx in
            (Int(try tx.setting(Self.timeKey) ?? "") ?? Self.maximumTimeMilliseconds,
             Int(try tx.setting(Self.memoryKey) ?? "") ?? Self.maximumMemoryMegabytes)
        }
    }

    /// Lowers (or raises, up to Lantern's maximum) the ceilings; needs `plugins.manage`.
    public func setCeilings(timeMilliseconds: Int, memoryMegabytes: Int, by identity: Identity) throws {
        try crm.perform(identity) { op in
            try op.principal.require(.pluginsManage)
            guard (1...Self.maximumTimeMilliseconds).contains(timeMilliseconds) else {
                throw CRMError.invalid(field: "max_time_ms", reason: "must be between 1 and \(Self.maximumTimeMilliseconds)")
            }
            guard (1...Self.maximumMemoryMegabytes).contains(memoryMegabytes) else {
                throw CRMError.invalid(field: "max_memory_mb", reason: "must be between 1 and \(Self.maximumMemoryMegabytes)")
            }
            try op.tx.setSetting(Self.timeKey, String(timeMilliseconds))
            try op.tx.setSetting(Self.memoryKey, String(memoryMegabytes))
        }
    }
}
