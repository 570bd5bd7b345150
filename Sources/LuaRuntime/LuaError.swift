/// An error raised while compiling or running Lua code, with Lua's own message
/// (which carries the chunk name and line, such as `main.lua:4: attempt to index a nil value`).
public struct LuaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Sendable {
        /// The code does not compile.
        case syntax
        /// The code raised an error.
        case runtime
        /// Lua itself ran out of memory (not the state's limit).
        case memory
        /// An error inside an error handler.
        case handler
        /// The invocation ran past its wall-time budget.
        case timeLimit
        /// The state's heap reached its limit.
        case memoryLimit
        /// A value could not be copied between Lua and Swift (a cyclic table, a function key, bad UTF-8).
        case conversion
    }

    public let kind: Kind
    public let message: String
    public var description: String { message }

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// Whether a limit stopped the invocation.
    public var isLimit: Bool { kind == .timeLimit || kind == .memoryLimit }

    /// Whether the state that raised this must be discarded, never reused (design.md rule 7).
    public var discardsState: Bool { isLimit }

    static func conversion(_ message: String) -> LuaError { LuaError(kind: .conversion, message: message) }
}
