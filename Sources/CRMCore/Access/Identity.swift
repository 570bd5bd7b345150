/// Where a change came from, as `event.source` reports it.
public enum ChangeSource: String, Sendable, Codable, CaseIterable {
    case api, cli, `import`, plugin, job
}

/// Who is acting: a user, or a plugin acting as its `run_as` user with the permissions that
/// both its manifest and the user's role grant. Every service call takes one.
public struct Identity: Sendable, Hashable {
    /// The login of the user (for a plugin, its `run_as` user).
    public var login: String
    /// The plugin acting, or nil for a person.
    public var plugin: String?
    /// The manifest's permissions when a plugin acts; the role's permissions are narrowed to these.
    public var permissionLimit: Set<Permission>?
    /// Where the change comes from.
    public var source: ChangeSource

    public init(login: String, plugin: String? = nil, permissionLimit: Set<Permission>? = nil, source: ChangeSource) {
        self.login = login
        self.plugin = plugin
        self.permissionLimit = permissionLimit
        self.source = source
    }

    /// A person acting through `source` (the API by default).
    public static func user(_ login: String, source: ChangeSource = .api) -> Identity {
        Identity(login: login, source: source)
    }

    /// A plugin acting as `runAs` with its manifest's `permissions`.
    public static func plugin(_ name: String, runAs: String, permissions: Set<Permission>, source: ChangeSource = .plugin) -> Identity {
        Identity(login: runAs, plugin: name, permissionLimit: permissions, source: source)
    }

    /// How the actor is written in events, the audit log and notifications: a login or `plugin:<name>`.
    public var label: String { plugin.map { "plugin:\($0)" } ?? login }

    /// Hashes who acts and through what, leaving the permission limit to `==`: a set hashes each
    /// member with a hasher of its own, and a transaction looks its principal up by identity on
    /// every call a plugin makes. Equal identities still hash equally.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(login)
        hasher.combine(plugin)
        hasher.combine(source)
    }
}
