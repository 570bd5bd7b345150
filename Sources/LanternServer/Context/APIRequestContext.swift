import CRMCore
import Hummingbird

/// The request context of the API: Hummingbird's core storage plus the authenticated caller,
/// which `BearerAuthMiddleware` sets before any `/api/v1` route runs.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller named by the bearer token; nil only before authentication.
    var caller: Caller?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// JSON bodies are small; CSV and .xlsx uploads have their own, larger limit.
    public var maxUploadSize: Int { APILimits.jsonBodyBytes }

    /// The caller, or a 401 when the route was reached without authentication (a wiring mistake).
    func requireCaller() throws -> Caller {
        guard let caller else { throw APIError.unauthorized("missing bearer token") }
        return caller
    }
}

/// A person calling the API: the tenant their token belongs to and their login in it.
struct Caller: Sendable {
    let tenant: TenantRuntime
    let login: String

    /// The identity CRM calls act as: the user, through the API.
    var identity: Identity { .user(login, source: .api) }

    /// Runs a CRM call as this caller on the tenant's queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (CRM, Identity) throws -> T) async throws -> T {
        let identity = identity
        return try await tenant.run { crm in try body(crm, identity) }
    }
}

/// Size limits of request bodies.
public enum APILimits {
    /// JSON request bodies: 1 MiB.
    public static let jsonBodyBytes = 1 << 20
    /// Customer uploads (CSV or .xlsx): 32 MiB.
    public static let importBodyBytes = 32 << 20
}
