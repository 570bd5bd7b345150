import CLua
import CLuaShim

extension LuaStack {
    /// Hands the value at `index` to `visitor` piece by piece, read raw like `read(at:)` (read-only
    /// proxies seen through, no metamethod run) and refused for the same reasons with the same
    /// errors, but without building a `LuaValue` tree.
    func walk<Visitor: LuaValueVisitor>(at index: Int32, with visitor: inout Visitor) throws {
        var visiting = OpenTables()
        try walk(at: lua_absindex(L, index), depth: 0, visiting: &visiting, visitor: &visitor)
    }

    private func walk<Visitor: LuaValueVisitor>(at index: Int32, depth: Int, visiting: inout OpenTables,
                                                visitor: inout Visitor) throws {
        let type = lua_type(L, index)
        try visiting.budget.charge(L, stringBytes: type == LUA_TSTRING ? Int(lua_rawlen(L, index)) : 0)
        switch type {
        case LUA_TNIL, LUA_TNONE: try visitor.visitNil()
        case LUA_TBOOLEAN: try visitor.visit(boolean: lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(L, index) != 0 { try visitor.visit(integer: lua_tointegerx(L, index, nil)) }
            else { try visitor.visit(number: lua_tonumberx(L, index, nil)) }
        case LUA_TSTRING: try visitor.visit(string: try stringBytes(at: index))
        case LUA_TTABLE: try walkTable(at: index, depth: depth, visiting: &visiting, visitor: &visitor)
        default: try visitor.visit(other: String(cString: lua_typename(L, lua_type(L, index))))
        }
    }

    private func walkTable<Visitor: LuaValueVisitor>(at index: Int32, depth: Int, visiting: inout OpenTables,
                                                     visitor: inout Visitor) throws {
        try visitor.beginTable()
        var entry = 0
        try forEachEntry(ofTableAt: index, depth: depth, visiting: &visiting) { key, visiting in
            try visitor.beginKey(index: entry)
            try walk(at: key, depth: depth + 1, visiting: &visiting, visitor: &visitor)
            try visitor.beginValue()
            try walk(at: key + 1, depth: depth + 1, visiting: &visiting, visitor: &visitor)
            try visitor.endEntry()
            entry += 1
        }
        try visitor.endTable()
    }
}
