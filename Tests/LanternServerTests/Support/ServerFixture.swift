import CRMCore
import CRMStore
import Foundation
import Hummingbird
import HummingbirdTesting
import LanternServer
import Logging
import NIOCore

/// A real server over a scratch data folder: the demo tenant (with a copy of the repository's
/// demo plugins, so tests may edit them), a second tenant `other`, each user's token.
final class ServerFixture: Sendable {
    let directory: URL
    let data: DataFolder
    let tenants: TenantRuntimes
    /// Tokens by login: the demo's users, and `other-admin` for tenant `other`.
    let tokens: [String: String]

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    init(demoPlugins: Bool = true) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lantern-api-\(UUID().uuidString)")
        let pluginsRoot = directory.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: pluginsRoot, withIntermediateDirectories: true)
        if demoPlugins {
            try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("plugins/demo"),
                                             to: pluginsRoot.appendingPathComponent("demo"))
        }
        data = try DataFolder(path: directory.appendingPathComponent("data").path)
        let seeded = try DemoTenant.seed(in: data)
        var tokens = Dictionary(uniqueKeysWithValues: seeded.tokens.map { ($0.login, $0.token) })
        tokens["other-admin"] = try data.createTenant("other", adminLogin: "boss").token
        self.tokens = tokens
        var logger = Logger(label: "lantern.test")
        logger.logLevel = .error
        tenants = TenantRuntimes(data: data, pluginsRoot: pluginsRoot, logger: logger)
        try tenants.startAll()
    }

    deinit {
        tenants.stopAll()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The plugins folder of the demo tenant.
    var demoPlugins: URL { directory.appendingPathComponent("plugins/demo") }

    /// Runs `body` against the server listening on a free loopback port.
    func withServer(_ body: @escaping @Sendable (APIClient) async throws -> Void) async throws {
        var logger = Logger(label: "lantern.test")
        logger.logLevel = .error
        let app = Application(router: LanternServer.router(tenants: tenants, logRequests: false),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        let tokens = tokens
        try await app.test(.live) { client in try await body(APIClient(client: client, tokens: tokens)) }
    }
}

/// Requests to the API as one of the fixture's users.
struct APIClient: Sendable {
    let client: any TestClientProtocol
    let tokens: [String: String]

    func request(_ method: HTTPRequest.Method, _ path: String, as login: String? = "admin", json: String? = nil,
                 body: [UInt8]? = nil, headers extra: HTTPFields = [:]) async throws -> APIResponse {
        var headers = extra
        if let login, let token = tokens[login] { headers[.authorization] = "Bearer \(token)" }
        var buffer: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(string: json)
        } else if let body {
            buffer = ByteBuffer(bytes: body)
        }
        let response = try await client.execute(uri: "/api/v1" + path, method: method, headers: headers, body: buffer)
        return APIResponse(status: response.status.code, headers: response.headers,
                           text: String(buffer: response.body))
    }

    func get(_ path: String, as login: String? = "admin") async throws -> APIResponse {
        try await request(.get, path, as: login)
    }

    func post(_ path: String, _ json: String = "{}", as login: String? = "admin") async throws -> APIResponse {
        try await request(.post, path, as: login, json: json)
    }

    func patch(_ path: String, _ json: String, as login: String? = "admin") async throws -> APIResponse {
        try await request(.patch, path, as: login, json: json)
    }

    func delete(_ path: String, as login: String? = "admin") async throws -> APIResponse {
        try await request(.delete, path, as: login)
    }
}

/// A response: its status, headers and body, with the body readable as JSON.
struct APIResponse: Sendable, CustomStringConvertible {
    let status: Int
    let headers: HTTPFields
    let text: String

    var json: JSON { JSON(parsing: text) }
    /// The `error.code` of an error body.
    var errorCode: String? { json["error"]["code"].string }
    var errorMessage: String? { json["error"]["message"].string }
    var description: String { "\(status) \(text.prefix(600))" }
}

/// A parsed JSON value with forgiving subscripts (missing keys read as `null`).
struct JSON: @unchecked Sendable {
    let value: Any?

    init(parsing text: String) {
        value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    init(_ value: Any?) { self.value = value }

    subscript(key: String) -> JSON { JSON((value as? [String: Any])?[key]) }
    subscript(index: Int) -> JSON {
        guard let array = value as? [Any], array.indices.contains(index) else { return JSON(nil) }
        return JSON(array[index])
    }

    var string: String? { value as? String }
    var int: Int64? {
        if let number = value as? Int { return Int64(number) }
        if let number = value as? Double, number.rounded() == number { return Int64(number) }
        return nil
    }
    var bool: Bool? { value as? Bool }
    var array: [JSON] { (value as? [Any])?.map(JSON.init) ?? [] }
    var keys: Set<String> { Set((value as? [String: Any]).map { Array($0.keys) } ?? []) }
    var isNull: Bool { value == nil || value is NSNull }
}
