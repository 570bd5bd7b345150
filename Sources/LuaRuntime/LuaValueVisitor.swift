/// Receives one Lua value piece by piece as `LuaStackArguments.walk(_:with:)` reads it off the
/// stack, so a host function can write a table out (as JSON, say) without first copying it into
/// a `LuaValue` tree.
///
/// A table arrives as `beginTable`, then for each entry `beginKey`, the key, `beginValue`, the
/// value, `endEntry`, and finally `endTable`. Entries come in `lua_next` order. Keys are only
/// strings, numbers and booleans (anything else is refused before the visitor sees it), strings
/// are valid UTF-8, and the walk refuses tables that contain themselves or nest more than
/// `LuaStack.maximumDepth` levels, with the same errors as reading a `LuaValue`.
public protocol LuaValueVisitor {
    mutating func visitNil() throws
    mutating func visit(boolean: Bool) throws
    mutating func visit(integer: Int64) throws
    mutating func visit(number: Double) throws
    /// UTF-8 bytes, lent for the duration of the call only.
    mutating func visit(string: UnsafeRawBufferPointer) throws
    /// A value the host does not copy (function, userdata, thread), by its Lua type name.
    mutating func visit(other typeName: String) throws

    mutating func beginTable() throws
    /// Before the key of entry number `index` (0 for the first) of the innermost open table.
    mutating func beginKey(index: Int) throws
    mutating func beginValue() throws
    mutating func endEntry() throws
    mutating func endTable() throws
}

extension LuaValue {
    /// Hands this value to `visitor` piece by piece, as a walk of the same value on a Lua stack
    /// would (a table's entries in the dictionary's order).
    public func walk<Visitor: LuaValueVisitor>(with visitor: inout Visitor) throws {
        switch self {
        case .nil_: try visitor.visitNil()
        case .boolean(let flag): try visitor.visit(boolean: flag)
        case .integer(let number): try visitor.visit(integer: number)
        case .number(let number): try visitor.visit(number: number)
        case .string(var text):
            try text.withUTF8 { bytes in try visitor.visit(string: UnsafeRawBufferPointer(bytes)) }
        case .table(let table):
            try visitor.beginTable()
            for (index, entry) in table.entries.enumerated() {
                try visitor.beginKey(index: index)
                try entry.key.walk(with: &visitor)
                try visitor.beginValue()
                try entry.value.walk(with: &visitor)
                try visitor.endEntry()
            }
            try visitor.endTable()
        case .hostFunction, .opaque: try visitor.visit(other: typeName)
        }
    }
}
