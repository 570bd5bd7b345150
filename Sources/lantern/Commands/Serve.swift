import ArgumentParser
import CRMCore
import CRMStore
import Foundation
import LanternServer
import Logging

/// `lantern serve`: the HTTP API, the plugin host with hot reload and the scheduler, until
/// SIGINT or SIGTERM, which stop it gracefully.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API, the plugin host (with hot reload) and the scheduler.",
        discussion: """
            Serves every tenant of the data folder under /api/v1 with bearer tokens; each tenant's \
            plugins are loaded from <plugins>/<tenant> and reloaded when their files change. \
            SIGINT or SIGTERM stop accepting requests, let the running ones and their plugin \
            invocations finish, stop the schedulers and close the databases.
            """)

    @OptionGroup var data: DataOptions
    @Option(help: ArgumentHelp("The plugins folder, watched for changes.", valueName: "DIR")) var plugins = "./plugins"
    @Option(help: ArgumentHelp("The address to listen on.", valueName: "H")) var host = "127.0.0.1"
    @Option(help: ArgumentHelp("The port to listen on (0 picks a free one).", valueName: "P")) var port = 8080
    @Flag(help: "Create (once) and serve the demo tenant; print its users' tokens and a few curl lines to try.") var demo = false

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["LANTERN_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
            return handler
        }
        let logger = Logger(label: "lantern.serve")
        let folder: DataFolder
        let tour: DemoTour?
        do {
            folder = try DataFolder(path: data.data)
            tour = demo ? try DemoTour(seeded: try DemoTenant.seed(in: folder), dataPath: data.data, pluginsPath: plugins) : nil
        } catch {
            throw fail("\(error)")
        }
        let tenants = TenantRuntimes(data: folder, pluginsRoot: URL(fileURLWithPath: plugins, isDirectory: true), logger: logger)
        // Opening the tenants runs their plugins' main chunks: off the cooperative pool (design.md rule 8).
        do { try await Blocking.run { try tenants.startAll() } } catch { throw fail("cannot open the tenants: \(error)") }

        let host = host
        let app = LanternServer.application(tenants: tenants, host: host, port: port, logger: logger) { port in
            logger.info("serving", metadata: ["address": "http://\(host):\(port)/api/v1", "data": "\(folder.url.path)"])
            if let tour { tour.print(host: host, port: port) }
        }
        do {
            try await app.runService()
        } catch {
            tenants.stopAll()
            throw fail("the server stopped: \(error)")
        }
        tenants.stopAll()
        do { try folder.close() } catch { logger.error("closing the databases failed", metadata: ["error": "\(error)"]) }
        logger.info("stopped")
    }
}
