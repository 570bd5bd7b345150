import Foundation
import Testing
@testable import LuaRuntime

/// The two limits of design.md rules 4 and 5, at the runtime layer: whatever the script does to
/// catch the error, the invocation fails with the limit's error, and the process carries on.
@Suite("Lua runtime: time and memory limits")
struct LuaLimitTests {
    @Test("runaway code is stopped by the time limit, however it tries to catch it", arguments: [
        "while true do end",
        "while true do pcall(function() while true do end end) end",
        "local ok repeat ok = pcall(function() while true do end end) until false",
        "for i = 1, math.maxinteger do local t = {} end",
        "local function f() return f() end return f()",
        "while true do local ok, e = pcall(error, 'x') end",
        "local t = {} for i = 1, 10 do t[i] = i end table.sort(t, function(a, b) while true do end end)",
    ])
    func runawayCodeIsStopped(_ code: String) throws {
        let lua = try LuaState(memoryLimit: 16 << 20)
        let error = #expect(throws: LuaError.self) { try lua.evaluate(code, chunkName: "main.lua", timeLimitMilliseconds: 100) }
        #expect(error?.kind == .timeLimit, "\(String(describing: error))")
        #expect(error?.message == "time limit exceeded")
        // A fresh state serves the next invocation (the host discards one that hit a limit).
        let next = try LuaState(memoryLimit: 16 << 20)
        #expect(try next.evaluate("return 1", timeLimitMilliseconds: 100) == .integer(1))
    }

    @Test("a short limit after a call with a long one still stops on its own deadline")
    func shortDeadlineAfterLongOne() throws {
        // The watchdog is only woken when a new deadline is earlier than its next wake: a call
        // running 30 ms with 10 s to spare leaves it asleep towards that deadline, and the
        // runaway's 50 ms one must wake it. Without the signal the loop would run for the 10 s.
        let busy = try LuaState(memoryLimit: 16 << 20)
        let code = "local t = os.clock() while os.clock() - t < 0.03 do end return 1"
        #expect(try busy.evaluate(code, timeLimitMilliseconds: 10_000) == .integer(1))
        let runaway = try LuaState(memoryLimit: 16 << 20)
        let clock = ContinuousClock()
        let started = clock.now
        let error = #expect(throws: LuaError.self) { try runaway.evaluate("while true do end", timeLimitMilliseconds: 50) }
        #expect(error?.kind == .timeLimit)
        #expect(clock.now - started < .seconds(5), "stopped only after \(clock.now - started)")
    }

    @Test("a script that swallows the time limit and returns still fails")
    func swallowedTimeLimitStillFails() throws {
        let lua = try LuaState()
        let code = """
            local start = os.clock()
            local ok = pcall(function() while true do end end)
            return "escaped"
            """
        let error = #expect(throws: LuaError.self) { try lua.evaluate(code, timeLimitMilliseconds: 50) }
        #expect(error?.kind == .timeLimit)
    }

    @Test("memory bombs are stopped by the memory limit", arguments: [
        "local t = {} for i = 1, math.maxinteger do t[i] = i end",
        "local s = 'x' while true do s = s .. s end",
        "local t = {} while true do t[#t + 1] = ('x'):rep(1024) .. #t end",
        "local t = {} while true do local ok = pcall(function() t[#t + 1] = {1, 2, 3, 4} end) end",
        "return ('x'):rep(64 * 1024 * 1024)",
    ])
    func memoryBombsAreStopped(_ code: String) throws {
        let lua = try LuaState(memoryLimit: 16 << 20)
        let error = #expect(throws: LuaError.self) { try lua.evaluate(code, chunkName: "main.lua", timeLimitMilliseconds: 2_000) }
        #expect(error?.kind == .memoryLimit, "\(String(describing: error))")
        #expect(error?.message == "memory limit exceeded")
        #expect(lua.memoryInUse <= (16 << 20) + LuaState.memoryGraceBytes)   // the unwinding's grace past the limit
    }

    @Test("limits cost nothing when not reached")
    func normalCodeRunsUnderLimits() throws {
        let lua = try LuaState(memoryLimit: 16 << 20)
        let sum = try lua.evaluate("local s = 0 for i = 1, 100000 do s = s + i end return s", timeLimitMilliseconds: 1_000)
        #expect(sum == .integer(5_000_050_000))
        // The same state goes on serving after normal calls, and after an ordinary error.
        #expect(throws: LuaError.self) { try lua.evaluate("error('boom')", timeLimitMilliseconds: 100) }
        #expect(try lua.evaluate("return 'Đã liên hệ'", timeLimitMilliseconds: 100) == .string("Đã liên hệ"))
    }

    @Test("a stream of short calls wakes the watchdog about once per time limit, not once per call")
    func shortCallsLeaveTheWatchdogAsleep() throws {
        let lua = try LuaState(memoryLimit: 16 << 20)
        // Each call returns long before its 5 s deadline, and the pause after it lets the watchdog
        // wake for the call's signal and find nothing armed. It must then keep to the wake it had
        // promised: had it gone back to waiting forever, every call would have to signal it again.
        for _ in 0..<40 {
            #expect(try lua.evaluate("return 1", timeLimitMilliseconds: 5_000) == .integer(1))
            Thread.sleep(forTimeInterval: 0.01)
        }
        // Other suites' calls (shorter limits) can make it wait forever now and then; 40 is the old way.
        #expect(lua.watchdogSignals <= 10, "\(lua.watchdogSignals) of 40 calls woke the watchdog")
    }

    @Test("a state's heap is counted")
    func memoryIsCounted() throws {
        let lua = try LuaState()
        let before = lua.memoryInUse
        _ = try lua.evaluate("big = ('x'):rep(1000000)")
        #expect(lua.memoryInUse >= before + 1_000_000)
    }

    @Test("blocks of every size, grown and shrunk across the small-block pool's bound, keep their contents")
    func smallBlockPool() throws {
        let lua = try LuaState(memoryLimit: 64 << 20)
        _ = try lua.evaluate("collectgarbage()")
        let before = lua.memoryInUse
        // Tables grow through every small size class and past 256 bytes (moved out of the pool)
        // and are emptied again; strings of every length up to 600 bytes are made and dropped;
        // a checksum over everything still alive would show any block handed out twice.
        let code = """
            local kept, sum = {}, 0
            for round = 1, 30 do
              local t = {}
              for i = 1, round * 7 do t[i] = ("%d:%s"):format(i, ("v"):rep(i % 40)) end
              local h = {}
              for i = 1, round * 3 do h["k" .. i] = { i, tostring(i), { i * 2 } } end
              for i = 3, round * 7, 3 do t[i] = nil end
              local strings = {}
              for n = round, 600, 7 do strings[#strings + 1] = (string.char(65 + n % 26)):rep(n) .. round end
              kept[round] = { t, h, ("s"):rep(round * 20), strings }
              if round % 5 == 0 then collectgarbage() end
            end
            for round, entry in ipairs(kept) do
              local t, h, s = entry[1], entry[2], entry[3]
              for i = 1, round * 7 do
                local want = i % 3 ~= 0 and ("%d:%s"):format(i, ("v"):rep(i % 40)) or nil
                if t[i] ~= want then error("table " .. round .. " item " .. i .. " is " .. tostring(t[i])) end
              end
              for i = 1, round * 3 do
                local v = h["k" .. i]
                if v[1] ~= i or v[2] ~= tostring(i) or v[3][1] ~= i * 2 then error("hash " .. round .. " lost k" .. i) end
              end
              if s ~= ("s"):rep(round * 20) then error("string " .. round) end
              local k = 0
              for n = round, 600, 7 do
                k = k + 1
                if entry[4][k] ~= (string.char(65 + n % 26)):rep(n) .. round then error("string of " .. n .. " in round " .. round) end
              end
              sum = sum + #s
            end
            kept = nil
            return sum
            """
        #expect(try lua.evaluate(code, timeLimitMilliseconds: 5_000) == .integer(9_300))
        _ = try lua.evaluate("collectgarbage() collectgarbage()")
        // What was allocated is counted as freed again (the pool keeps the memory, not the count).
        #expect(lua.memoryInUse < before + 16_384, "\(lua.memoryInUse) bytes in use, \(before) before")
    }
}
