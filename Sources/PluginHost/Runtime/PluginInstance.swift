import CRMCore
import Foundation
import LuaRuntime

/// One loaded version of a plugin: its own sandboxed Lua state, its module table and hooks.
/// A state that hit a limit is never reused: the host replaces the whole instance.
final class PluginInstance {
    /// Every hook name of plugin-api.md section 3.
    static let hookNames: Set<String> = Set(DomainEvent.Kind.allCases.map(\.hookName))

    let bundle: PluginBundle
    let crm: CRM
    let log: PluginLog
    private(set) var lua: LuaState!
    private(set) var module: LuaReference!
    /// The hooks the module defines.
    var hooks: Set<String> { Set(DomainEvent.Kind.allCases.filter(hasHook).map(\.hookName)) }
    /// The hook functions as registered at load, by event kind's ordinal, so a delivery needs no
    /// lookup by name (nor a hash of the kind: a dictionary keyed by the kind hashes its raw string).
    private var hookFunctions: [LuaReference?] = Array(repeating: nil, count: DomainEvent.Kind.allCases.count + 1)
    /// The plugin's part of every `math.random` seed, hashed once.
    let seedBase: SeedHash
    /// Every function of the module (hooks and job handlers).
    private(set) var functions: Set<String> = []
    /// The invocation running now; the `crm` data calls need one.
    var invocation: Invocation?
    private var linesThisRun = 0
    private var droppedThisRun = 0

    /// Stored apart from the bundle so that a delivery reads it in place instead of copying it.
    let manifest: PluginManifest
    /// Who the plugin acts as: its `run_as` user within its manifest's permissions.
    let identity: Identity

    /// Creates the state, compiles every Lua file, and runs `main.lua` within the plugin's limits:
    /// the whole load (every compile and the main chunk's run) within one `limits.time_ms`, so a
    /// plugin built to compile slowly cannot hold the tenant's writer at start or at a restart.
    init(bundle: PluginBundle, crm: CRM, log: PluginLog) throws {
        self.bundle = bundle
        self.crm = crm
        self.log = log
        manifest = bundle.manifest
        identity = .plugin(bundle.manifest.name, runAs: bundle.manifest.runAs, permissions: bundle.manifest.permissions)
        timeLimit = UInt32(bundle.manifest.limits.timeMilliseconds)
        var seedBase = SeedHash()
        seedBase.add(bundle.manifest.name)
        self.seedBase = seedBase
        let sandbox = LuaSandbox(
            now: { crm.clock.now() },
            timeZone: crm.timeZone,
            log: { [unowned self] level, message in write(level, message) },
            moduleSource: { name in bundle.module(named: name) })
        let lua = try LuaState(memoryLimit: bundle.manifest.limits.memoryMegabytes << 20, sandbox: sandbox)
        self.lua = lua
        try CRMBindings.install(in: lua, for: self)
        var budget = LoadBudget(milliseconds: timeLimit)
        let mainPath = bundle.folder.appendingPathComponent("main.lua").path
        for (path, source) in bundle.modules.sorted(by: { $0.key < $1.key }) {
            lua.release(try compile(source, path, budget: &budget))
        }
        let main = try compile(bundle.main, "main.lua", budget: &budget)
        defer { lua.release(main) }
        linesThisRun = 0
        let (module, type): (LuaReference, String)
        do {
            (module, type) = try lua.callKeepingResult(main, timeLimitMilliseconds: try budget.remaining(for: "main.lua"))
        } catch let error as LuaError where error.kind == .timeLimit {
            throw PluginLoadError(file: mainPath, problem: budget.exceeded)
        }
        guard type == "table" else {
            throw PluginLoadError(file: mainPath,
                                  problem: "must return the module table (a table of hook functions), returned a \(type) value")
        }
        self.module = module
        let names = lua.functionNames(in: module, limit: Self.maximumFunctions)
        guard names.count <= Self.maximumFunctions else {
            throw PluginLoadError(file: mainPath,
                                  problem: "the module table has more than \(Self.maximumFunctions) functions")
        }
        functions = Set(names)
        _ = try budget.remaining(for: mainPath)
        for kind in DomainEvent.Kind.allCases where functions.contains(kind.hookName) {
            hookFunctions[Int(kind.ordinal)] = try lua.reference(toFunction: kind.hookName, in: module)
        }
        for name in functions.sorted() where name.hasPrefix("on_") && !Self.hookNames.contains(name) {
            write("warn", "\(name) is not a hook name and will never be called (hooks: \(Self.hookNames.sorted().joined(separator: ", ")))")
        }
    }

    let timeLimit: UInt32
    /// The most functions a module table may hold (hooks and job handlers; names of at most
    /// `LuaState.maximumFunctionNameBytes` bytes): what the host reads of it after main.lua ran.
    static let maximumFunctions = 1_000

    private func compile(_ source: String, _ path: String, budget: inout LoadBudget) throws -> LuaReference {
        let file = bundle.folder.path + "/" + path
        do {
            return try lua.load(source, chunkName: path, timeLimitMilliseconds: try budget.remaining(for: file))
        } catch let error as LuaError {
            throw PluginLoadError(file: file, problem: error.kind == .timeLimit ? budget.exceeded : error.message)
        }
    }

    /// Runs module function `name` with `arguments` for `invocation`, within what is left of the
    /// time limit once `spent` (the host's work for the invocation so far, such as decoding a job's
    /// payload) is taken off.
    func run(_ name: String, _ arguments: [LuaValue], for invocation: Invocation, seed: Int64, spent: Duration = .zero) throws {
        try run(name, for: invocation, seed: seed, spent: spent) { w in
            for argument in arguments { try w.push(argument) }
            return Int32(arguments.count)
        }
    }

    /// Whether the plugin has the hook for events of `kind`.
    func hasHook(for kind: DomainEvent.Kind) -> Bool { hookFunctions[Int(kind.ordinal)] != nil }

    /// Runs the hook for events of `kind` with the arguments `arguments` pushes, for `invocation`,
    /// within the time limit; nothing when the plugin has no such hook.
    func runHook(for kind: DomainEvent.Kind, for invocation: Invocation, seed: Int64,
                 arguments: (LuaArgumentWriter) throws -> Int32) throws {
        guard let function = hookFunctions[Int(kind.ordinal)] else { return }
        try prepare(invocation, seed: seed)
        defer { finish() }
        try lua.call(function, timeLimitMilliseconds: timeLimit, arguments: arguments)
    }

    /// Runs module function `name` with the arguments `arguments` pushes, for `invocation`, within the time limit
    /// less `spent`.
    func run(_ name: String, for invocation: Invocation, seed: Int64, spent: Duration = .zero,
             arguments: (LuaArgumentWriter) throws -> Int32) throws {
        let spentMilliseconds = spent.components.seconds * 1000 + spent.components.attoseconds / 1_000_000_000_000_000
        guard spentMilliseconds < Int64(timeLimit) else { throw LuaError(kind: .timeLimit, message: "time limit exceeded") }
        try prepare(invocation, seed: seed)
        defer { finish() }
        let function = try lua.reference(toFunction: name, in: module)
        defer { lua.release(function) }
        try lua.call(function, timeLimitMilliseconds: timeLimit - UInt32(spentMilliseconds), arguments: arguments)
    }

    private func prepare(_ invocation: Invocation, seed: Int64) throws {
        self.invocation = invocation
        linesThisRun = 0
        droppedThisRun = 0
        lua.seedRandom(seed)
    }

    private func finish() {
        invocation = nil
        if droppedThisRun > 0 { append("warn", "\(droppedThisRun) more log lines of this invocation were dropped (limits.log_lines = \(manifest.limits.logLines))") }
    }

    /// A log line from the plugin, within the per-invocation cap.
    func write(_ level: String, _ message: String) {
        guard linesThisRun < manifest.limits.logLines else {
            droppedThisRun += 1
            return
        }
        linesThisRun += 1
        append(level, message)
    }

    /// A log line about the plugin, from the host (never capped).
    func append(_ level: String, _ message: String) {
        log.append(PluginLogLine(at: crm.clock.now(), plugin: manifest.name, level: level, message: message))
    }
}

/// What is left of a plugin's load budget: one `limits.time_ms` for compiling every file and
/// running `main.lua`, shared by the steps in turn.
struct LoadBudget {
    let milliseconds: UInt32
    private let started = ContinuousClock.now

    init(milliseconds: UInt32) { self.milliseconds = milliseconds }

    /// The refusal of a load that ran out of its budget.
    var exceeded: String {
        "time limit exceeded: loading (compiling every Lua file and running main.lua) must finish within limits.time_ms = \(milliseconds) ms"
    }

    /// The milliseconds left for the next step (at least 1), or the refusal when none are left.
    func remaining(for file: String) throws -> UInt32 {
        let elapsed = ContinuousClock.now - started
        let used = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        guard used < Int64(milliseconds) else { throw PluginLoadError(file: file, problem: exceeded) }
        return UInt32(Int64(milliseconds) - used)
    }
}
