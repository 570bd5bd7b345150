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
        let statement = statement
        let index = index
        var text = value
        text.withUTF8 { (bytes: UnsafeBufferPointer<UInt8>) -> Void in
            // An empty string may have no storage; a NULL pointer would bind SQL NULL, not ''.
            guard let start = UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self) else {
                _ = sqlite3_bind_text(statement, index, "", 0, DirectBindings.transient)
                return
            }
            _ = sqlite3_bind_text(statement, index, start, Int32(bytes.count), DirectBindings.transient)
        }
        self.index += 1
    }

    mutating func bind(_ value: Int64?) {
        if let value { bind(value) } else { bindNull() }
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
        let handle = try db.cachedStatement(sql: sql).sqliteStatement
        var bindings = DirectBindings(statement: handle)
        bind(&bindings)
        precondition(bindings.index - 1 == sqlite3_bind_parameter_count(handle), "\(sql): \(bindings.index - 1) values bound")
        let code = sqlite3_step(handle)
        let failure: String? = code == SQLITE_DONE ? nil : String(cString: sqlite3_errmsg(db.sqliteConnection))
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        if let failure {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: failure, sql: sql)
        }
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
