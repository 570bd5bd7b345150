/// An error raised while compiling or running Lua code, with Lua's own message
/// (which carries the chunk name and line, such as `main.lua:4: attempt to index a nil value`).
public struct LuaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong: `syntax`, `runtime`, `memory` or `handler` (an error inside an error handler).
    public enum Kind: String, Sendable { case syntax, runtime, memory, handler }
    public let kind: Kind
    public let message: String
    public var description: String { message }

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }
}
