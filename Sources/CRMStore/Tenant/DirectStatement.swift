import CRMCore
import GRDB
import GRDBSQLite

/// Values bound in order into a statement through SQLite's C API (`executeDirect`).
struct DirectBindings {
    fileprivate let statement: OpaquePointer
    fileprivate var index: Int32 = 1

    /// SQLite copies the bytes (its `SQLITE_TRANSIENT`): a bound string need not outlive the call.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    mutating func bind(_ value: Int64) {
        sqlite3_bind_int64(statement, index, value)
        index += 1
    }

    mutating func bind(_ value: Int) {
        bind(Int64(value))
    }

    mutating func bind(_ value: Double) {
        sqlite3_bind_double(statement, index, value)
        index += 1
    }

    mutating func bind(_ value: String) {
        var text = value
        text.withUTF8 { bindText($0) }
    }

    /// Binds JSON text as written, without making a `String` of it first.
    mutating func bind(_ json: JSONWriting) {
        json.withUTF8 { bindText($0) }
    }

    private mutating func bindText(_ bytes: UnsafeBufferPointer<UInt8>) {
        // An empty string may have no storage; a NULL pointer would bind SQL NULL, not ''.
        if let start = UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self) {
            sqlite3_bind_text(statement, index, start, Int32(bytes.count), DirectBindings.transient)
        } else {
            sqlite3_bind_text(statement, index, "", 0, DirectBindings.transient)
        }
        index += 1
    }

    mutating func bind(_ value: Int64?) {
        if let value { bind(value) } else { bindNull() }
    }

    mutating func bind(_ json: JSONWriting?) {
        if let json { bind(json) } else { bindNull() }
    }

    mutating func bind(_ value: String?) {
        if let value { bind(value) } else { bindNull() }
    }

    private mutating func bindNull() {
        sqlite3_bind_null(statement, index)
        index += 1
    }
}

extension SQLiteTransaction {
    /// Runs the cached write statement `sql` (an INSERT, UPDATE or DELETE of fixed SQL, returning
    /// no rows) with the values `bind` binds in order, stepped through SQLite's C API.
    ///
    /// GRDB boxes each argument, converts it, and binds it through nested closures: for the rows a
    /// plugin hook writes per event (its job, its ledger entry) that was a third of each insert's
    /// cost beside SQLite's own work. GRDB's per-statement bookkeeping has nothing to do for such a
    /// statement inside a transaction (no observer watches these tables; it is neither a
    /// transaction nor a savepoint statement), so it is left out.
    func executeDirect(_ sql: String, _ bind: (inout DirectBindings) -> Void) throws {
        try stepDirect(sql, bind) { _, code in
            guard code == SQLITE_DONE else { throw directFailure(code, sql) }
        }
    }

    /// Runs the cached query `sql` (fixed SQL, first column an integer) with the values `bind`
    /// binds and returns the first row's first column, or nil when there is no row: an existence
    /// check or an id lookup on a hot path, without GRDB's cursor and boxed arguments (see
    /// `executeDirect` for why that is safe here).
    func fetchDirectInt64(_ sql: String, _ bind: (inout DirectBindings) -> Void) throws -> Int64? {
        try stepDirect(sql, bind) { handle, code in
            switch code {
            case SQLITE_ROW: return sqlite3_column_type(handle, 0) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, 0)
            case SQLITE_DONE: return nil
            default: throw directFailure(code, sql)
            }
        }
    }

    /// Binds the cached statement `sql`, steps it once and hands `result` its handle and the step's
    /// code (before the statement is reset, so SQLite's message still describes a failure).
    private func stepDirect<T>(_ sql: String, _ bind: (inout DirectBindings) -> Void,
                               _ result: (_ handle: OpaquePointer, _ code: Int32) throws -> T) throws -> T {
        let handle = try db.cachedStatement(sql: sql).sqliteStatement
        var bindings = DirectBindings(statement: handle)
        bind(&bindings)
        precondition(bindings.index - 1 == sqlite3_bind_parameter_count(handle), "\(sql): \(bindings.index - 1) values bound")
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        return try result(handle, sqlite3_step(handle))
    }

    private func directFailure(_ code: Int32, _ sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
    }
}

extension SQLiteTransaction {
    /// Calls `body` with consecutive slices of `items`, at most `size` each: the rows of one
    /// multi-row statement at a time.
    func forEachChunk<Items: RandomAccessCollection>(of items: Items, size: Int,
                                                     _ body: (Items.SubSequence) throws -> Void) rethrows where Items.Index == Int {
        var start = items.startIndex
        while start < items.endIndex {
            let end = min(start + size, items.endIndex)
            try body(items[start..<end])
            start = end
        }
    }
}
