/// A Lua value copied out of a state into Swift. Integers stay integers; strings are exact bytes as UTF-8.
public enum LuaValue: Sendable, Equatable {
    case nil_
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    /// A value the host does not copy (table, function, userdata, thread); only its type name is kept.
    case opaque(typeName: String)
}
