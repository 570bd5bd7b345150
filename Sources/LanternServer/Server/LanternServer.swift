import CRMCore
import CRMStore
import Foundation
import Hummingbird
import Logging

/// The HTTP JSON API of `lantern serve`: Hummingbird 2 on top of the tenants' runtimes.
/// Every route lives under `/api/v1`, needs a bearer token, and acts through the CRMCore
/// services as the token's user, so the API checks exactly what plugins are checked for.
///
/// ```swift
/// let tenants = TenantRuntimes(data: try DataFolder(path: "lantern-data"), pluginsRoot: URL(fileURLWithPath: "plugins"), logger: logger)
/// try tenants.startAll()
/// let app = LanternServer.application(tenants: tenants, host: "127.0.0.1", port: 8080, logger: logger)
/// try await app.runService()        // until SIGINT/SIGTERM
/// tenants.stopAll()
/// ```
public enum LanternServer {
    /// The API's version prefix.
    public static let prefix = "api/v1"

    /// The router: `GET /health` (no token), then the authenticated API.
    public static func router(tenants: TenantRuntimes, logRequests: Bool = true) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        if logRequests { router.add(middleware: LogRequestsMiddleware(.info)) }
        router.get("health") { _, _ in JSONResponse(["status": "ok"]) }
        let api = router.group(RouterPath(prefix)).add(middleware: BearerAuthMiddleware(tenants: tenants))
        CustomerRoutes().register(on: api)
        RelationshipRoutes().register(on: api)
        OrderRoutes().register(on: api)
        DirectoryRoutes().register(on: api)
        PluginRoutes().register(on: api)
        NotificationRoutes().register(on: api)
        ImportRoutes().register(on: api)
        return router
    }

    /// The application listening on `host:port` (port 0 picks a free one; `onRunning` gets the
    /// bound port).
    public static func application(tenants: TenantRuntimes, host: String, port: Int, logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> Application<RouterResponder<APIRequestContext>> {
        Application(
            router: router(tenants: tenants),
            configuration: .init(address: .hostname(host, port: port), serverName: "Lantern"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
