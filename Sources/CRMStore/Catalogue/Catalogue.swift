import CRMCore
import Foundation
import GRDB

/// The small database beside the tenants' files: which tenants exist, and which token digest
/// belongs to which user of which tenant (so a request's token names its tenant).
public final class Catalogue: Sendable {
    /// A tenant as the catalogue knows it.
    public struct Tenant: Sendable, Equatable {
        public var slug: String
        public var createdAt: Int64
        public var timeZone: String
    }

    private let writer: any DatabaseWriter

    /// Opens (creating when missing) the catalogue at `path`, or in memory when `path` is nil.
    public init(path: String?) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        writer = try path.map { try DatabasePool(path: $0, configuration: configuration) } ?? DatabaseQueue(configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: tenants and tokens") { db in
            try db.execute(sql: """
                CREATE TABLE tenants (
                    slug TEXT PRIMARY KEY,
                    created_at INTEGER NOT NULL,
                    time_zone TEXT NOT NULL
                );
                CREATE TABLE tokens (
                    digest TEXT PRIMARY KEY,               -- SHA-256 of the token, hex
                    tenant TEXT NOT NULL REFERENCES tenants(slug),
                    login TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX tokens_user ON tokens(tenant, login);
                """)
        }
        try migrator.migrate(writer)
    }

    /// Closes the catalogue database.
    public func close() throws {
        try writer.close()
    }

    /// Records a new tenant and issues the first token of its admin, in one transaction; refused
    /// when the slug is taken. Returns the admin's token.
    public func addTenant(_ slug: String, createdAt: Int64, timeZone: String, adminLogin: String) throws -> String {
        let token = APIToken.generate()
        try writer.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM tenants WHERE slug = ?", arguments: [slug]) == true {
                throw CRMError.conflict("tenant \"\(slug)\" already exists")
            }
            try db.execute(sql: "INSERT INTO tenants (slug, created_at, time_zone) VALUES (?, ?, ?)",
                           arguments: [slug, createdAt, timeZone])
            try db.execute(sql: "INSERT INTO tokens (digest, tenant, login, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [APIToken.digest(token), slug, adminLogin, createdAt])
        }
        return token
    }

    /// The tenant with `slug`, or nil.
    public func tenant(_ slug: String) throws -> Tenant? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tenants WHERE slug = ?", arguments: [slug]).map {
                Tenant(slug: $0["slug"], createdAt: $0["created_at"], timeZone: $0["time_zone"])
            }
        }
    }

    /// Every tenant, by slug.
    public func tenants() throws -> [Tenant] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tenants ORDER BY slug").map {
                Tenant(slug: $0["slug"], createdAt: $0["created_at"], timeZone: $0["time_zone"])
            }
        }
    }

    /// Issues a new API token for `login` of `tenant`; only its digest is kept. Returns the token.
    public func issueToken(tenant: String, login: String, at: Int64) throws -> String {
        let token = APIToken.generate()
        try writer.write { db in
            try db.execute(sql: "INSERT INTO tokens (digest, tenant, login, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [APIToken.digest(token), tenant, login, at])
        }
        return token
    }

    /// The tenant and login a token belongs to, or nil for an unknown token.
    public func authenticate(_ token: String) throws -> (tenant: String, login: String)? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT tenant, login FROM tokens WHERE digest = ?", arguments: [APIToken.digest(token)])
                .map { (tenant: $0["tenant"], login: $0["login"]) }
        }
    }

    /// Revokes every token of `login` in `tenant`.
    public func revokeTokens(tenant: String, login: String) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM tokens WHERE tenant = ? AND login = ?", arguments: [tenant, login])
        }
    }
}
