import Foundation

/// What a sandboxed state needs from its host: the injected clock, the time zone dates are
/// formatted in, where `print` writes, and the source of the modules `require` may load.
///
/// ```swift
/// let sandbox = LuaSandbox(now: { clock.now() }, timeZone: tenantZone,
///                          log: { level, message in logs.append(level, message) },
///                          moduleSource: { name in plugin.module(named: name) })
/// let lua = try LuaState(memoryLimit: 32 << 20, sandbox: sandbox)
/// ```
public struct LuaSandbox {
    /// `os.time()`, and `os.date()` without a time: epoch seconds of the injected clock.
    public var now: () -> Int64
    /// The zone `os.date` formats in and `os.time{...}` reads tables in (not the process's TZ).
    public var timeZone: TimeZone
    /// Receives `print`'s lines, at level `"info"`.
    public var log: (_ level: String, _ message: String) -> Void
    /// The text and chunk name of module `name` for `require`, or nil when there is none.
    public var moduleSource: (_ name: String) -> (source: String, chunkName: String)?

    public init(now: @escaping () -> Int64, timeZone: TimeZone,
                log: @escaping (_ level: String, _ message: String) -> Void,
                moduleSource: @escaping (_ name: String) -> (source: String, chunkName: String)? = { _ in nil }) {
        self.now = now
        self.timeZone = timeZone
        self.log = log
        self.moduleSource = moduleSource
    }
}

extension LuaState {
    /// The Lua half of the sandbox: print, require, os.time and os.date over the host's functions.
    /// It captures what it uses as locals, so a script replacing globals cannot reach inside.
    private static let prelude = """
        local now, utc_offset, time_of, module_source, log = ...
        local raw_date, type, tostring, select, concat, error, load, tointeger =
              os.date, type, tostring, select, table.concat, error, load, math.tointeger
        local env, loaded, sandbox = _G, {}, {}

        function sandbox.print(...)
          local parts = {}
          for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
          log("info", concat(parts, "\\t"))
        end

        function sandbox.require(name)
          if type(name) ~= "string" then
            error("bad argument #1 to 'require' (string expected, got " .. type(name) .. ")", 2)
          end
          local value = loaded[name]
          if value ~= nil then return value end
          local source, chunkname = module_source(name)
          if source == nil then
            error("module '" .. name .. "' not found: require loads only the plugin's lib/ modules, as require(\\"lib.name\\")", 2)
          end
          local chunk, message = load(source, "=" .. chunkname, "t", env)
          if chunk == nil then error(message, 0) end
          value = chunk(name)
          if value == nil then value = true end
          loaded[name] = value
          return value
        end

        -- As Lua's os.time reads a field: an integer that, less `delta`, fits a C int.
        local function field(t, key, default, delta)
          local value = t[key]
          if value == nil then
            if default ~= nil then return default end
            error("field '" .. key .. "' missing in date table", 3)
          end
          local integer = tointeger(value)
          if integer == nil then error("field '" .. key .. "' is not an integer", 3) end
          if integer - delta > 0x7fffffff or integer - delta < -0x80000000 then
            error("field '" .. key .. "' is out-of-bound", 3)
          end
          return integer
        end

        function os.time(t)
          if t == nil then return now() end
          if type(t) ~= "table" then error("bad argument #1 to 'time' (table expected, got " .. type(t) .. ")", 2) end
          return time_of(field(t, "year", nil, 1900), field(t, "month", nil, 1), field(t, "day", nil, 0),
                         field(t, "hour", 12, 0), field(t, "min", 0, 0), field(t, "sec", 0, 0))
        end

        function os.date(format, t)
          if format == nil then format = "%c" end
          if type(format) ~= "string" then
            error("bad argument #1 to 'date' (string expected, got " .. type(format) .. ")", 2)
          end
          if t == nil then t = now() end
          if type(t) ~= "number" then error("bad argument #2 to 'date' (number expected, got " .. type(t) .. ")", 2) end
          -- Lua's os.date runs strftime per conversion in C with no look at the deadline.
          if #format > 256 then error("bad argument #1 to 'date' (a format of " .. #format .. " bytes is longer than the sandbox's 256)", 2) end
          if format:sub(1, 1) == "!" then return raw_date(format, t) end
          local result = raw_date("!" .. format, t + utc_offset(t))
          if type(result) == "table" then result.isdst = false end
          return result
        end

        return sandbox
        """

    func installSandbox() throws {
        guard let sandbox else { return }
        let zone = sandbox.timeZone
        let now = register { _ in [.integer(sandbox.now())] }
        let utcOffset = register { arguments in
            let seconds: Double = switch arguments.first {
            case .integer(let value): Double(value)
            case .number(let value): value
            default: 0
            }
            return [.integer(Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds))))]
        }
        let timeOf = register { arguments in
            let parts = arguments.map { if case .integer(let value) = $0 { Int(value) } else { 0 } }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            guard parts.count == 6, let date = calendar.date(from: DateComponents(
                year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4], second: parts[5])),
                  let seconds = Int64(exactly: date.timeIntervalSince1970.rounded(.down)) else {
                throw LuaError(kind: .runtime, message: "time result cannot be represented")
            }
            return [.integer(seconds)]
        }
        let moduleSource = register { arguments in
            guard case .string(let name) = arguments.first, let module = sandbox.moduleSource(name) else { return [.nil_] }
            return [.string(module.source), .string(module.chunkName)]
        }
        let log = register { arguments in
            if case .string(let level) = arguments.first, case .string(let message) = arguments.dropFirst().first {
                sandbox.log(level, message)
            }
            return []
        }
        let chunk = try load(Self.prelude, chunkName: "[sandbox]")
        defer { release(chunk) }
        let (functions, _) = try callKeepingResult(chunk, [now, utcOffset, timeOf, moduleSource, log])
        defer { release(functions) }
        for name in ["print", "require"] { try fixGlobal(name, from: functions) }
    }
}
