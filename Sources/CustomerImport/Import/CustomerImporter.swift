import CRMCore

/// Imports customers into a tenant with the seed CRMs' upload rules:
///
/// - a row whose code matches an existing customer is skipped, unless `override`, which writes
///   only the columns the file has (blank cells leave a field as it is) and fires no hooks;
/// - a new customer gets the tenant's first relationship when its cell is empty, is owned by the
///   file's owner column, else by `defaultOwner`, else by the importing user, and fires
///   `on_customer_created` with `source = "import"`: the hooks of a batch run once its rows are
///   written, in row order, inside its transaction (`CRM.deliveringEventsAfter`);
/// - a bad row is reported with its line and reason and written nowhere; good rows commit in
///   batches of `batchSize`, each batch in one transaction. A new customer is checked whole before
///   anything is written, so a refused row needs no savepoint; a row that fails while writing
///   (a store failure) rolls its batch back and ends the import with that error.
///
/// ```swift
/// let table = try ImportTable.read(bytes, fileName: "khach-hang.csv")
/// let report = try CustomerImporter(crm: crm, login: "an").run(table, fileName: "khach-hang.csv")
/// print(report.summary)   // created 12, overridden 0, skipped 3, failed 1
/// ```
public struct CustomerImporter: Sendable {
    public let crm: CRM
    /// The importing user, acting with source `import`.
    public let identity: Identity
    public var override: Bool
    /// The login that owns new customers when the file names no owner.
    public var defaultOwner: String?
    public var batchSize: Int

    public init(crm: CRM, login: String, override: Bool = false, defaultOwner: String? = nil, batchSize: Int = 500) {
        self.crm = crm
        self.identity = .user(login, source: .import)
        self.override = override
        self.defaultOwner = defaultOwner
        self.batchSize = max(1, batchSize)
    }

    /// Imports `table`. Refused as a whole (nothing written) when the header cannot be mapped, the
    /// user may not create customers, or `defaultOwner` is unknown. `progress` is called after each
    /// committed batch with the rows done so far and the total.
    public func run(_ table: ImportTable, fileName: String,
                    progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> ImportReport {
        let columns = try ImportColumns(header: table.header, fileName: fileName, requireName: !override)
        try crm.directory.require(.customersCreate, by: identity)
        if override { try crm.directory.require(.customersUpdate, by: identity) }
        let owners = try OwnerResolver(crm: crm, identity: identity)
        if let defaultOwner, owners.login(for: defaultOwner) == nil {
            throw CRMError.invalid(field: "owner", reason: "unknown user \"\(defaultOwner)\"")
        }
        var report = ImportReport()
        var start = 0
        while start < table.rows.count {
            let batch = table.rows[start..<min(start + batchSize, table.rows.count)]
            // Should the batch's commit fail, `run` throws: the report is never seen half-counted.
            try crm.store.transaction { tx in
                // The batch's hooks run after its rows are written, one after another (see
                // `CRM.deliveringEventsAfter`): a quarter of a hooked row's cost.
                try crm.deliveringEventsAfter(in: tx) {
                    for row in batch {
                        importRow(row, columns: columns, owners: owners, into: &report)
                        // A row that failed halfway through its writes dooms the batch: stop at once.
                        if let aborted = tx.memo.abortedChange { throw aborted }
                    }
                }
            }
            start += batch.count
            progress?(start, table.rows.count)
        }
        return report
    }

    /// Imports one row inside the batch's transaction; every write is one service call, so a
    /// refused row leaves nothing behind.
    private func importRow(_ row: ImportRow, columns: ImportColumns, owners: OwnerResolver, into report: inout ImportReport) {
        do {
            if row.cells.count > columns.width, row.cells[columns.width...].contains(where: { !$0.isBlank }) {
                throw RowProblem("\(row.cells.count) cells but the header has \(columns.width) columns")
            }
            let values = try RowValues(row, columns: columns, owners: owners, crm: crm, identity: identity)
            if let code = values.code, let existing = try crm.customer(code: code, by: identity) {
                guard override else {
                    report.skipped.append(.init(line: row.line, reason: "customer code \(code) exists"))
                    return
                }
                try crm.customers.overwrite(existing.id, values.patch(), by: identity)
                report.overridden += 1
                return
            }
            try crm.customers.create(values.newCustomer(defaultOwner: defaultOwner), by: identity)
            report.created += 1
        } catch {
            report.failed.append(.init(line: row.line, reason: String(describing: error)))
        }
    }

}

extension CRM {
    /// The customer with `code` that `identity` may read, or nil (an unreachable one is as good as absent).
    func customer(code: String, by identity: Identity) throws -> Customer? {
        let query = CustomerQuery(conditions: [(.code, .equals(.string(code)))], orderBy: .id, limit: 1)
        return try customers.find(query, by: identity).first
    }
}

/// A row refused for its shape rather than by the CRM.
struct RowProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
