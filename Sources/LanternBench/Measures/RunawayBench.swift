import Foundation
import LuaRuntime

/// `runaway_stop_ms_p99`: how long past its `time_ms` a `while true do end` keeps running before
/// the watchdog stops it, over many runs (each in a fresh sandboxed state, as the host restarts a
/// plugin after a limit).
enum RunawayBench {
    static let timeLimit: UInt32 = 20

    static func measure(_ settings: BenchSettings) throws -> [BenchMetric] {
        let sandbox = LuaSandbox(now: { 1_763_800_000 }, timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .current,
                                 log: { _, _ in })
        var overruns: [Double] = []
        for _ in 0..<settings.runaways {
            let lua = try LuaState(memoryLimit: 16 << 20, sandbox: sandbox)
            let module = try lua.callKeepingResult(try lua.load("return { spin = function() while true do end end }",
                                                                chunkName: "spin.lua")).reference
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                try lua.call(field: "spin", of: module, timeLimitMilliseconds: timeLimit)
                throw BenchError("the runaway loop returned")
            } catch let error as LuaError where error.kind == .timeLimit {
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                overruns.append(max(0, elapsed - Double(timeLimit)))
            }
        }
        return [
            BenchMetric("runaway_stop_ms_p99", Timing.percentile(overruns, 0.99), unit: "ms", target: .atMost(5),
                        detail: "time past time_ms = \(timeLimit) before `while true do end` stopped (\(overruns.count) runs)"),
            BenchMetric("runaway_stop_ms_median", Timing.median(overruns), unit: "ms", detail: "the median of those runs"),
        ]
    }
}
