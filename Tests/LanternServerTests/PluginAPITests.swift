import CRMCore
import Foundation
import Testing

@Suite("API: plugins, jobs, notifications")
struct PluginAPITests {
    @Test("plugin status, logs and reload; a broken edit keeps the old version serving with its error shown")
    func pluginsStatusLogsReload() async throws {
        let fixture = try ServerFixture()
        let main = fixture.demoPlugins.appendingPathComponent("mark-buyer/main.lua")
        try await fixture.withServer { api in
            let statuses = try await api.get("/plugins")
            #expect(statuses.status == 200)
            #expect(statuses.json["items"].array.compactMap { $0["name"].string } == ["care-again", "loyalty-points", "mark-buyer", "reclaim"])
            #expect(statuses.json["items"].array.allSatisfy { $0["state"].string == "loaded" && $0["error"].isNull })

            let denied = try await api.get("/plugins", as: "an")
            #expect(denied.status == 403 && denied.errorMessage == "permission denied: plugins.manage")

            let logs = try await api.get("/plugins/mark-buyer/logs")
            #expect(logs.json["items"].array.contains { $0["message"].string?.hasPrefix("loaded version 1.0.0") == true }, "\(logs)")

            // A broken edit, reloaded on request: the old version keeps serving, the status shows why.
            try "return {".write(to: main, atomically: true, encoding: .utf8)
            let broken = try await api.post("/plugins/mark-buyer/reload")
            #expect(broken.status == 200)
            #expect(broken.json["error"].string?.contains("main.lua") == true, "\(broken)")
            let customer = try #require(try await api.get("/customers?relationship=\(query("Mới"))&limit=1").json["items"][0]["id"].int)
            _ = try await api.post("/orders", #"{"customer": \#(customer), "kind": "sale", "total": 1000}"#)
            #expect(try await api.get("/customers/\(customer)").json["relationship"].string == "Đã mua hàng")

            #expect(try await api.post("/plugins/no-such-plugin/reload").status == 404)
            #expect(try await api.post("/plugins/..%2Fdemo/reload").status == 404)
            #expect(try await api.get("/plugins/no-such-plugin/logs").status == 404)
        }
    }

    @Test("jobs list pending jobs with their plugin and handler; the tenant's plugin ceilings read and change")
    func jobsAndCeilings() async throws {
        let fixture = try ServerFixture()
        try await fixture.withServer { api in
            let created = try await api.post("/customers", #"{"name": "Khách mới", "owner": "an"}"#, as: "leader")
            let id = try #require(created.json["id"].int)
            let jobs = try await api.get("/jobs?status=pending")
            let reclaim = jobs.json["items"].array.first { $0["key"].string == "reclaim:\(id)" }
            #expect(reclaim?["plugin"].string == "reclaim" && reclaim?["handler"].string == "check_contacted", "\(jobs)")
            #expect(reclaim?["due_at"].int.map { $0 > (created.json["created_at"].int ?? 0) } == true)
            #expect(try await api.get("/jobs?status=failed").json["items"].array.isEmpty)
            #expect(try await api.get("/jobs?status=done").status == 400)
            #expect(try await api.get("/jobs", as: "leader").status == 403)

            let ceilings = try await api.get("/plugin-settings")
            #expect(ceilings.json["time_ms"].int == 1000 && ceilings.json["memory_mb"].int == 256, "\(ceilings)")
            let lowered = try await api.request(.put, "/plugin-settings", json: #"{"time_ms": 50, "memory_mb": 8}"#)
            #expect(lowered.status == 200, "\(lowered)")
            #expect(try await api.get("/plugin-settings").json["time_ms"].int == 50)
            let tooHigh = try await api.request(.put, "/plugin-settings", json: #"{"time_ms": 5000, "memory_mb": 8}"#)
            #expect(tooHigh.status == 400 && tooHigh.errorCode == "invalid")
        }
    }

    @Test("notifications: the caller's inbox only, marked read once")
    func notifications() async throws {
        let fixture = try ServerFixture()
        let crm = try fixture.data.tenant("demo")
        let note = try crm.notifications.notify("an", "Gọi lại cho khách KH000003", by: .user("admin"))
        try await fixture.withServer { api in
            let inbox = try await api.get("/notifications?unread=true", as: "an")
            #expect(inbox.json["items"].array.compactMap { $0["message"].string } == ["Gọi lại cho khách KH000003"])
            #expect(try await api.get("/notifications", as: "binh").json["items"].array.isEmpty)
            #expect(try await api.post("/notifications/\(note.id)/read", as: "binh").status == 404)
            let read = try await api.post("/notifications/\(note.id)/read", as: "an")
            #expect(read.status == 200 && read.json["read_at"].int != nil)
            #expect(try await api.get("/notifications?unread=true", as: "an").json["items"].array.isEmpty)
        }
    }

    @Test("a plugin saved into the running server's folder is loaded by hot reload, and its jobs run on the server's scheduler")
    func hotReloadAndScheduler() async throws {
        let fixture = try ServerFixture()
        // Written beside the folder, then moved in: the watcher sees one complete plugin arrive.
        let staging = fixture.directory.appendingPathComponent("staging/tagger")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try """
            name = "tagger"
            version = "2.0.0"
            run_as = "automation"
            permissions = ["customers.read", "customers.update"]
            """.write(to: staging.appendingPathComponent("plugin.toml"), atomically: true, encoding: .utf8)
        try """
            local M = {}
            function M.on_customer_created(event) crm.schedule(0, "tag", { id = event.customer.id }) end
            function M.tag(payload) crm.customers.update(payload.id, { fields = { tagged = "yes" } }) end
            return M
            """.write(to: staging.appendingPathComponent("main.lua"), atomically: true, encoding: .utf8)
        try await fixture.withServer { api in
            try FileManager.default.moveItem(at: staging, to: fixture.demoPlugins.appendingPathComponent("tagger"))
            var loaded = false
            for _ in 0..<100 where !loaded {
                loaded = try await api.get("/plugins").json["items"].array.contains { $0["name"].string == "tagger" && $0["version"].string == "2.0.0" }
                if !loaded { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(loaded, "the watcher loaded the new plugin")

            let created = try await api.post("/customers", #"{"name": "Khách được gắn thẻ"}"#)
            let id = try #require(created.json["id"].int)
            var tagged = false
            for _ in 0..<100 where !tagged {
                tagged = try await api.get("/customers/\(id)").json["fields"]["tagged"].string == "yes"
                if !tagged { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(tagged, "the scheduler ran the due job")
            let ledger = try await api.get("/customers/\(id)/ledger")
            #expect(ledger.json["items"].array.contains { $0["plugin"].string == "tagger" && $0["hook"].string == "tag" })
        }
    }
}
