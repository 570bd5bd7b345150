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
}
