import CRMCore
import Foundation
import LuaRuntime

/// How one test of a spec file ended.
public struct SpecResult: Sendable {
    public enum Outcome: Sendable, Equatable {
        case passed
        case failed(String)
        case pending
    }

    /// `<describe> <it>`.
    public let name: String
    public let outcome: Outcome
    public let seconds: Double
}

/// Runs one `spec/*_spec.lua` file in its own sandboxed state (plugin-api.md section 10): the
/// busted globals, `require("lantern.test")`, and the plugin's own `lib/` modules.
///
/// A test that hangs or exhausts memory is stopped by the spec state's limits and fails; the
/// state is then rebuilt (the file loaded again) and the run goes on with the next test.
public final class SpecFile {
    /// Per test (and for loading the file) by default: generous, but a hang still ends.
    public static let defaultTimeLimitMilliseconds: UInt32 = 10_000
    public static let defaultMemoryLimit = 256 << 20

    let file: URL
    /// The path shown in messages, such as `spec/reclaim_spec.lua`.
    let chunkName: String
    let plugin: URL
    let filter: String?
    let timeLimitMilliseconds: UInt32
    let memoryLimit: Int
    let makeStore: () throws -> any TenantStore
    /// Lines the spec printed, as they come.
    let output: (String) -> Void

    private var lua: LuaState?
    private var runner: LuaReference?
    private var tenants: [TestTenant] = []
    private var bundle: PluginBundle?

    init(file: URL, plugin: URL, filter: String?, timeLimitMilliseconds: UInt32 = SpecFile.defaultTimeLimitMilliseconds,
         memoryLimit: Int = SpecFile.defaultMemoryLimit, makeStore: @escaping () throws -> any TenantStore, output: @escaping (String) -> Void) {
        self.file = file
        self.timeLimitMilliseconds = timeLimitMilliseconds
        self.memoryLimit = memoryLimit
        self.plugin = plugin
        self.filter = filter
        self.makeStore = makeStore
        self.output = output
        chunkName = "spec/" + file.lastPathComponent
    }

    /// Runs every test (matching the filter), handing each result to `finished` as it comes;
    /// throws `SpecLoadError` when the file cannot be loaded.
    func run(finished: (SpecResult) -> Void = { _ in }) throws -> [SpecResult] {
        bundle = try? PluginBundle.read(from: plugin)
        try prepare()
        guard let count = try? integer(try call("count")) else { throw SpecLoadError("\(chunkName): the runner did not start") }
        var results: [SpecResult] = []
        for position in 1...max(1, count) where count > 0 {
            let index = Int64(position)
            guard let name = try call("name", .integer(index)).string else { continue }
            if let filter, try call("matches", .integer(index), .string(filter)) != .boolean(true) { continue }
            if try call("is_pending", .integer(index)) == .boolean(true) {
                results.append(SpecResult(name: name, outcome: .pending, seconds: 0))
                finished(results[results.count - 1])
                continue
            }
            let kept = tenants.count
            let started = Date()
            var outcome = SpecResult.Outcome.passed
            do {
                if case .string(let failure) = try call("run", .integer(index), timeLimit: timeLimitMilliseconds) {
                    outcome = .failed(failure)
                }
            } catch let error as LuaError {
                outcome = .failed("\(chunkName): \(error.message)")
                if error.discardsState { try prepare() }
            }
            if tenants.count > kept { tenants.removeSubrange(kept...) }   // what the test made, it takes along
            results.append(SpecResult(name: name, outcome: outcome, seconds: Date().timeIntervalSince(started)))
            finished(results[results.count - 1])
        }
        return results
    }

    /// A fresh state with the runner, the spec file loaded (its describe/it blocks registered).
    private func prepare() throws {
        tenants.removeAll()
        if let lua, let runner { lua.release(runner) }
        let sandbox = LuaSandbox(
            now: { [unowned self] in tenants.last?.clock.now() ?? TestTenant.defaultStart },
            timeZone: CRM.defaultTimeZone,
            log: { [unowned self] _, message in output("# " + message) },
            moduleSource: { [unowned self] name in
                if name == "lantern.test" { return (SpecPrelude.module, "lantern/test.lua") }
                return bundle?.module(named: name)
            })
        let lua = try LuaState(memoryLimit: memoryLimit, sandbox: sandbox)
        self.lua = lua
        let host = hostFunctions(lua)
        try lua.setGlobal("__lantern_test_host", host, readOnly: true)
        let prelude = try lua.load(SpecPrelude.runner, chunkName: "lantern/runner.lua")
        defer { lua.release(prelude) }
        let (runner, _) = try lua.callKeepingResult(prelude, [host])
        self.runner = runner
        let source: String
        do { source = try String(contentsOf: file, encoding: .utf8) } catch {
            throw SpecLoadError("\(file.path): cannot be read: \(error.localizedDescription)")
        }
        do {
            let chunk = try lua.load(source, chunkName: chunkName, timeLimitMilliseconds: timeLimitMilliseconds)
            defer { lua.release(chunk) }
            _ = try lua.call(chunk, timeLimitMilliseconds: timeLimitMilliseconds)
        } catch let error as LuaError {
            throw SpecLoadError(error.message.hasPrefix(chunkName) ? error.message : "\(chunkName): \(error.message)")
        }
    }

    private func call(_ field: String, _ arguments: LuaValue..., timeLimit: UInt32 = 1_000) throws -> LuaValue {
        guard let lua, let runner else { return .nil_ }
        return try lua.call(field: field, of: runner, arguments, timeLimitMilliseconds: timeLimit).first ?? .nil_
    }

    private func integer(_ value: LuaValue) throws -> Int {
        guard case .integer(let number) = value else { throw SpecLoadError("\(chunkName): the runner did not start") }
        return Int(number)
    }

    // MARK: The host half of lantern.test

    private func hostFunctions(_ lua: LuaState) -> LuaValue {
        func tenant(_ values: [LuaValue], _ function: String) throws -> TestTenant {
            guard case .integer(let id) = values.first ?? .nil_, id >= 1, Int(id) <= tenants.count else {
                throw BindingError("\(function): this tenant belongs to a test that has ended")
            }
            return tenants[Int(id) - 1]
        }
        let functions: [String: LuaHostFunction] = [
            "tenant": { [unowned self] values in
                let spec = values.first?.table ?? LuaTable()
                do {
                    tenants.append(try TestTenant(spec: spec, pluginFolder: plugin, store: try makeStore()))
                } catch let error as SpecLoadError {
                    loadFailures.append(error.description)
                    throw BindingError(error.description)
                }
                return [.integer(Int64(tenants.count))]
            },
            "call": { values in
                let target = try tenant(values, "t:as()")
                let login: String? = values.count > 1 ? values[1].string : nil
                guard values.count > 2, case .string(let name) = values[2] else { throw BindingError("lantern.test: bad call") }
                return try target.call(as: login, name, Array(values.dropFirst(3)))
            },
            "clock_now": { values in [.integer(try tenant(values, "t.clock:now()").clock.now())] },
            "clock_set": { values in
                guard values.count > 1, case .integer(let epoch) = values[1] else { throw BindingError("t.clock:set(epoch): epoch seconds (an integer)") }
                try tenant(values, "t.clock:set()").clock.set(epoch)
                return []
            },
            "clock_advance": { values in
                let target = try tenant(values, "t.clock:advance()")
                try target.advance(by: try Delay.seconds(values.count > 1 ? values[1] : .nil_, function: "t.clock:advance"))
                return []
            },
            "ledger": { values in
                guard values.count > 1, case .integer(let customer) = values[1] else { throw BindingError("t:ledger(id): a customer id") }
                return [try tenant(values, "t:ledger()").ledger(customer)]
            },
            "logs": { values in [try tenant(values, "t:logs()").logs()] },
            "notifications": { values in
                guard values.count > 1, case .string(let login) = values[1] else { throw BindingError("t:notifications(login): a login") }
                return [try tenant(values, "t:notifications()").notifications(login)]
            },
            "jobs": { values in [try tenant(values, "t:jobs()").jobs()] },
        ]
        return .table(LuaTable(fields: functions.mapValues { lua.register($0) }))
    }

    /// Plugins that could not be loaded by `lt.tenant` (exit status 2).
    private(set) var loadFailures: [String] = []
}
