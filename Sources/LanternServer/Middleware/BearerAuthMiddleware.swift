import CRMCore
import Hummingbird

/// Authenticates `Authorization: Bearer <token>`: the token names the tenant and the user, so
/// no request can name another tenant. Unknown tokens, and tokens of users who no longer
/// exist, get a 401.
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let tenants: TenantRuntimes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw APIError.unauthorized("missing bearer token") }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("the Authorization header must be \"Bearer <token>\"")
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        let tenants = tenants
        // The catalogue read, and opening a tenant on its first request (which loads its plugins),
        // block: they run off the cooperative pool.
        guard let owner = try await Blocking.run({ try tenants.data.catalogue.authenticate(token) }) else {
            throw APIError.unauthorized("unknown or revoked token")
        }
        let runtime = try await Blocking.run { try tenants.runtime(owner.tenant) }
        let login = owner.login
        let exists = try await runtime.run { crm in
            do { return try crm.directory.user(login, by: .user(login)) != nil } catch CRMError.notFound { return false }
        }
        guard exists else { throw APIError.unauthorized("the token's user no longer exists") }
        var context = context
        context.caller = Caller(tenant: runtime, login: login)
        context.logger[metadataKey: "tenant"] = "\(owner.tenant)"
        context.logger[metadataKey: "user"] = "\(login)"
        return try await next(request, context)
    }
}
