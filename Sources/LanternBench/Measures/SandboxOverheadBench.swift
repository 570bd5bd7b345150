import Foundation
import LuaRuntime

/// `sandbox_overhead_ratio`: a Lua-heavy hook (loops, string work with patterns, table work) in
/// a sandboxed state with its limits on (memory counted and capped, a deadline armed) against the
/// same hook in the same sandbox with the limits off. `sandbox_vs_plain_ratio` adds what the
/// sandbox's own libraries cost (our pattern matcher, bounded table functions) against stock Lua.
enum SandboxOverheadBench {
    static let hook = """
        local M = {}
        function M.on_customer_created(event)
          local words, matched = {}, 0
          for i = 1, 2000 do
            local text = string.format("%s-%d %s", event.customer.code, i, event.customer.name)
            if text:find("KH%d+%-1%d") then matched = matched + 1 end
            words[#words + 1] = text:upper():sub(1, 12)
          end
          table.sort(words)
          local joined = table.concat(words, ",", 1, 200)
          local rows = {}
          for i = 1, 1000 do rows[i] = { id = i, name = joined:sub(i, i + 8), even = i % 2 == 0 } end
          local count = 0
          for _, row in ipairs(rows) do if row.even then count = count + #row.name end end
          return matched + count + select(2, joined:gsub(",", ","))
        end
        return M
        """

    static func measure(_ settings: BenchSettings) throws -> [BenchMetric] {
        let sandbox = LuaSandbox(now: { 1_763_800_000 }, timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .current,
                                 log: { _, _ in })
        let limited = try HookState(try LuaState(memoryLimit: 64 << 20, sandbox: sandbox), timeLimit: 1000)
        let unlimited = try HookState(try LuaState(memoryLimit: 0, sandbox: sandbox), timeLimit: 0)
        let plain = try HookState(try LuaState(memoryLimit: 0), timeLimit: 0)
        let calls = settings.sandboxCalls
        for state in [limited, unlimited, plain] { try state.run(calls) }   // warm up
        let (on, off) = try Timing.paired(rounds: settings.rounds, subject: { try limited.run(calls) }, floor: { try unlimited.run(calls) })
        let (sandboxed, stock) = try Timing.paired(rounds: settings.rounds, subject: { try limited.run(calls) }, floor: { try plain.run(calls) })
        return [
            BenchMetric("sandbox_overhead_ratio", on / off, unit: "×", target: .atMost(1.10),
                        detail: "Lua-heavy hook, limits on / limits off (median of \(settings.rounds) rounds of \(calls) calls)"),
            BenchMetric("sandbox_hook_us", on / Double(calls) * 1e6, unit: "µs", detail: "one call of that hook with limits on"),
            BenchMetric("sandbox_vs_plain_ratio", sandboxed / stock, unit: "×",
                        detail: "the same hook, sandbox with limits / stock Lua libraries without (pattern matching is our own)"),
        ]
    }

    /// A state with the hook loaded, called with a small customer event.
    private final class HookState {
        let lua: LuaState
        let hook: LuaReference
        let timeLimit: UInt32
        let event: LuaValue = ["customer": ["code": "KH000042", "name": "Nguyễn Gia Khương"]]

        init(_ lua: LuaState, timeLimit: UInt32) throws {
            self.lua = lua
            self.timeLimit = timeLimit
            let chunk = try lua.load(SandboxOverheadBench.hook, chunkName: "heavy.lua")
            let module = try lua.callKeepingResult(chunk).reference
            hook = try lua.reference(toFunction: "on_customer_created", in: module)
        }

        func run(_ calls: Int) throws {
            for _ in 0..<calls {
                try lua.call(hook, timeLimitMilliseconds: timeLimit) { w in
                    try w.push(event)
                    return 1
                }
            }
        }
    }
}
