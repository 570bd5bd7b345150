import Foundation

/// `lantern plugin new <tenant>/<name>`: a plugin that loads, passes its spec and `check`, with a
/// `.luarc.json` pointing lua-language-server at Lantern's annotations.
public enum PluginScaffold {
    /// Creates `<root>/<tenant>/<name>` (refusing an existing folder or a bad name); returns the
    /// files written, the annotations (`<root>/.luals/lantern.lua`, refreshed) included.
    public static func create(tenant: String, name: String, under root: URL) throws -> [URL] {
        let valid = /[a-z0-9][a-z0-9-]{0,62}/
        guard tenant.wholeMatch(of: valid) != nil, name.wholeMatch(of: valid) != nil else {
            throw SpecLoadError("plugin new: '\(tenant)/\(name)': tenant and plugin names are lower-case letters, digits and dashes")
        }
        let folder = root.appendingPathComponent(tenant).appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: folder.path) {
            throw SpecLoadError("plugin new: \(folder.path) already exists; nothing was written")
        }
        let specName = name.replacingOccurrences(of: "-", with: "_") + "_spec.lua"
        let files: [(String, String)] = [
            ("plugin.toml", manifest(name)),
            ("main.lua", main(name)),
            ("spec/" + specName, spec(name)),
            (".luarc.json", luarc),
        ]
        var written: [URL] = []
        for (path, text) in files {
            let file = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
            written.append(file)
        }
        let annotations = root.appendingPathComponent(".luals").appendingPathComponent(LuaAnnotations.fileName)
        try FileManager.default.createDirectory(at: annotations.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (LuaAnnotations.text + "\n").write(to: annotations, atomically: true, encoding: .utf8)
        written.append(annotations)
        return written
    }

    static func manifest(_ name: String) -> String {
        """
        name        = "\(name)"
        version     = "0.1.0"
        description = "What \(name) does, in one line"
        run_as      = "automation"                  # the user it acts as; its role's scope applies
        permissions = ["customers.read", "customers.update"]

        [limits]
        time_ms = 100

        [config]
        relationship = "Đã liên hệ"

        """
    }

    static func main(_ name: String) -> String {
        """
        -- \(name): hooks are the module's on_* functions (plugin-api.md section 3).
        local M = {}

        ---@param event lantern.Event
        function M.on_customer_created(event)
          crm.log("info", "new customer " .. event.customer.code .. " from " .. event.actor)
        end

        ---@param event lantern.OrderCreatedEvent
        function M.on_order_created(event)
          if event.order.kind == "sale" then
            crm.customers.set_relationship(event.customer.id, crm.config.relationship)
          end
        end

        return M

        """
    }

    static func spec(_ name: String) -> String {
        """
        ---@type lantern.test
        local lt = require("lantern.test")

        describe("\(name)", function()
          it("moves the customer of a sale to the configured relationship", function()
            local t = lt.tenant{}
            local c = t.customers.create{ name = "Nguyễn Gia Khương" }
            t.orders.create{ customer = c.id, kind = "sale", total = 1500000 }
            assert.equal("Đã liên hệ", t.customers.get(c.id).relationship)
          end)
        end)

        """
    }

    static let luarc = """
        {
          "$schema": "https://raw.githubusercontent.com/LuaLS/vscode-lua/master/setting/schema.json",
          "runtime.version": "Lua 5.4",
          "workspace.library": ["../../.luals"],
          "diagnostics.globals": ["crm", "describe", "it", "before_each", "after_each", "pending"]
        }

        """
}
