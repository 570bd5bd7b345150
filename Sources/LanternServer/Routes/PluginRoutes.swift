import CRMCore
import Foundation
import Hummingbird
import PluginHost

/// `/plugins`, `/plugin-settings` and `/jobs`: the tenant's plugins (status, reload, logs), its
/// ceilings for plugin limits, and the scheduler's queue. All need `plugins.manage`.
struct PluginRoutes {
    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("plugins") { _, context in
            let caller = try context.requireCaller()
            let statuses = try await caller.run { crm, me in
                try crm.directory.require(.pluginsManage, by: me)
                return caller.tenant.plugins.statuses()
            }
            return JSONResponse(ListBody(items: statuses.map(PluginStatusBody.init)))
        }
        group.post("plugins/:name/reload") { _, context in
            let caller = try context.requireCaller()
            let name = try context.parameters.require("name")
            let status = try await caller.run { crm, me in
                try crm.directory.require(.pluginsManage, by: me)
                let host = caller.tenant.plugins
                let folder = host.status(of: name).map { URL(fileURLWithPath: $0.path, isDirectory: true) }
                    ?? host.folder.appendingPathComponent(name, isDirectory: true)
                guard !name.hasPrefix("."), !name.contains("/"),
                      FileManager.default.fileExists(atPath: folder.appendingPathComponent("plugin.toml").path) else {
                    throw CRMError.notFound(entity: "plugin", key: "\"\(name)\"")
                }
                return host.load(folder: folder)
            }
            return JSONResponse(PluginStatusBody(status: status))
        }
        group.get("plugins/:name/logs") { request, context in
            let caller = try context.requireCaller()
            let name = try context.parameters.require("name")
            let limit = try QueryReading(request: request).integer("limit", default: 200, range: 1...10_000)
            let lines = try await caller.run { crm, me in
                try crm.directory.require(.pluginsManage, by: me)
                let host = caller.tenant.plugins
                guard host.status(of: name) != nil else { throw CRMError.notFound(entity: "plugin", key: "\"\(name)\"") }
                return Array(host.logs(of: name).suffix(limit))
            }
            return JSONResponse(ListBody(items: lines.map(PluginLogBody.init)))
        }
        group.get("plugin-settings") { _, context in
            let caller = try context.requireCaller()
            let ceilings = try await caller.run { crm, me in
                try crm.directory.require(.pluginsManage, by: me)
                return try crm.pluginSettings.ceilings()
            }
            return JSONResponse(CeilingsBody(timeMs: ceilings.timeMilliseconds, memoryMb: ceilings.memoryMegabytes))
        }
        group.put("plugin-settings") { request, context in
            let caller = try context.requireCaller()
            let body = try await request.decodeBody(CeilingsBody.self, context: context)
            try await caller.run { crm, me in
                try crm.pluginSettings.setCeilings(timeMilliseconds: body.timeMs, memoryMegabytes: body.memoryMb, by: me)
                caller.tenant.plugins.loadAll()   // plugins asking for more than the new ceilings now fail their load
            }
            return JSONResponse(body)
        }
        group.get("jobs") { request, context in
            let caller = try context.requireCaller()
            let reading = QueryReading(request: request)
            let statuses = try reading.choice("status", as: Job.Status.self).map { [$0] } ?? Job.Status.allCases
            let plugin = reading.text("plugin")
            let jobs = try await caller.run { crm, me in
                try crm.directory.require(.pluginsManage, by: me)
                return try statuses.flatMap { try crm.jobs.jobs(status: $0, plugin: plugin) }
            }
            return JSONResponse(ListBody(items: jobs.map(JobBody.init)))
        }
    }
}

/// The tenant's ceilings for plugin limits (`GET`/`PUT /plugin-settings`).
struct CeilingsBody: RequestBody, Encodable {
    static let fields: Set<String> = ["time_ms", "memory_mb"]
    let timeMs: Int
    let memoryMb: Int
    enum CodingKeys: String, CodingKey { case timeMs = "time_ms", memoryMb = "memory_mb" }
}
