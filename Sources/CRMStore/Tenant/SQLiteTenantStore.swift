import CRMCore
import Foundation
import GRDB

/// A tenant's store in one SQLite database through GRDB: a file in WAL mode with foreign keys on,
/// or `:memory:` for tests.
///
/// ```swift
/// let store = try SQLiteTenantStore(path: "lantern-data/tenants/demo.sqlite")
/// let crm = CRM(store: store, clock: SystemClock())
/// ```
public final class SQLiteTenantStore: TenantStore {
    private let writer: any DatabaseWriter
    /// The memo of the top-level transaction running now (only touched on the writer's queue).
    private let running = RunningTransaction()

    /// Opens (creating when missing) the database file at `path` and brings its schema up to date.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Every row of an import and every hook runs in a savepoint, and SQLite keeps the
            // pages a savepoint may have to restore in a sub-journal, a temporary file once it
            // passes 64 KiB: writing it was a fifth of an import's time. In memory it is only
            // as large as the savepoints that are open.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        writer = try DatabasePool(path: path, configuration: configuration)   // WAL by default
        try TenantSchema.migrator.migrate(writer)
    }

    /// A fresh database in memory, gone when the store is released.
    public static func inMemory() throws -> SQLiteTenantStore { try SQLiteTenantStore(memory: ()) }

    private init(memory: Void) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        writer = try DatabaseQueue(configuration: configuration)
        try TenantSchema.migrator.migrate(writer)
    }

    /// Closes the database after the transactions running now (checkpointing the WAL into the
    /// file); later calls fail. For shutdown: a store is otherwise closed when released.
    public func close() throws {
        try writer.close()
    }

    public func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try writeInPlace(body)
    }

    public func writeInPlace<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try writer.unsafeReentrantWrite { db in
            guard db.isInsideTransaction else { return try transaction(body) }
            return try body(running.transaction(in: db))
        }
    }

    public func transaction<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        // Re-entrant on purpose: a plugin hook runs inside the transaction of the change that fired it
        // and calls back into the services, which then run in a savepoint of that transaction.
        try writer.unsafeReentrantWrite { db in
            var result: T?
            if db.isInsideTransaction {
                let transaction = running.transaction(in: db)
                result = try transaction.savepoint { try body(transaction) }
            } else {
                let memo = TransactionMemo(holdsWrites: true)
                let transaction = SQLiteTransaction(db, memo: memo)
                running.current = transaction
                defer { running.current = nil }
                try db.inTransaction(.immediate) {
                    result = try body(transaction)
                    // A change that failed halfway without a savepoint left part of its writes behind.
                    if let aborted = memo.abortedChange { throw aborted }
                    try transaction.writeHeldWrites()
                    return .commit
                }
            }
            // `result` is set whenever the block committed; T may itself be optional, hence the double check.
            guard let value = result else { throw DatabaseError(message: "transaction ended without a result") }
            return value
        }
    }
}

/// Holds the running top-level transaction (and so its memo), handed to every service call
/// nested in it: a hook's delivery reaches the store four or five times per event, and a new
/// transaction object each time showed. Only the database writer's serialized queue reads or
/// sets it, hence unchecked.
private final class RunningTransaction: @unchecked Sendable {
    var current: SQLiteTransaction?

    /// The running top-level transaction, or (inside a transaction the store did not open) a
    /// new one over `db` with a memo of its own.
    func transaction(in db: Database) -> SQLiteTransaction {
        current ?? SQLiteTransaction(db, memo: TransactionMemo())
    }
}
