import Foundation
import Testing
@testable import LuaRuntime

/// A sandboxed state with a fixed clock (2026-01-01T00:00:00+07:00), Vietnam's time zone, and its
/// log lines collected.
final class SandboxedLua {
    static let newYear: Int64 = 1_767_200_400
    var now: Int64 = SandboxedLua.newYear
    var lines: [(level: String, message: String)] = []
    var modules: [String: String] = [:]
    private(set) var lua: LuaState!

    init(memoryLimit: Int = 16 << 20) throws {
        let sandbox = LuaSandbox(
            now: { [unowned self] in now },
            timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!,
            log: { [unowned self] level, message in lines.append((level, message)) },
            moduleSource: { [unowned self] name in
                let path = name.replacingOccurrences(of: ".", with: "/") + ".lua"
                return modules[path].map { ($0, path) }
            })
        lua = try LuaState(memoryLimit: memoryLimit, sandbox: sandbox)
    }

    /// The error `code` fails with; records an issue (without echoing a huge result) when it succeeds.
    func failure(of code: String, timeLimitMilliseconds: UInt32 = 100,
                 sourceLocation: SourceLocation = #_sourceLocation) -> LuaError? {
        do {
            let value = try run(code, timeLimitMilliseconds: timeLimitMilliseconds)
            Issue.record("expected an error, got a \(value.typeName) value", sourceLocation: sourceLocation)
            return nil
        } catch let error as LuaError {
            return error
        } catch {
            Issue.record(error, sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Runs `code` within 100 ms, the budget of the hostile-input suite.
    @discardableResult
    func run(_ code: String, timeLimitMilliseconds: UInt32 = 100) throws -> LuaValue {
        try lua.evaluate(code, chunkName: "main.lua", timeLimitMilliseconds: timeLimitMilliseconds)
    }
}
