import CRMCore
import Foundation
import GRDB

/// Builds the WHERE and ORDER BY of a `RecordQuery` as SQL with bound arguments. Field names
/// map to fixed column expressions, so no text from a caller ever becomes SQL.
struct SelectionSQL {
    private(set) var clauses: [String] = []
    private(set) var arguments: StatementArguments = []

    /// The selection of `query`: `scope` (a fixed clause), the visibility, then every condition on
    /// the column `column` maps its field to; `orderAndPage` finishes the statement, with ties
    /// broken by `idColumn`.
    init<Field: RawRepresentable<String>>(_ query: RecordQuery<Field>, scope: String, idColumn: String,
                                          column: (Field) -> String) throws {
        add(scope)
        restrict(to: query.visibility)
        for (field, condition) in query.conditions {
            try add(condition, column: column(field), field: field.rawValue)
        }
        let direction = query.descending ? "DESC" : "ASC"
        orderAndPage = "ORDER BY \(column(query.orderBy)) \(direction), \(idColumn) \(direction) LIMIT ? OFFSET ?"
        arguments += [Int64(clamping: query.limit), Int64(clamping: query.offset)]
    }

    /// `ORDER BY ... LIMIT ? OFFSET ?`, whose two arguments come last in `arguments`.
    private(set) var orderAndPage = ""

    /// Restricts to customers (aliased `c`, owner aliased `o`) the visibility reaches.
    private mutating func restrict(to visibility: Visibility) {
        switch visibility {
        case .all:
            break
        case .own(let userId):
            clauses.append(Self.ownClause)
            arguments += [userId, userId, userId]
        case .department(let userId, let departmentIds):
            let departments = departmentIds.isEmpty ? "" : " OR o.department_id IN (\(Self.placeholders(departmentIds.count)))"
            clauses.append("(\(Self.ownClause)\(departments))")
            arguments += [userId, userId, userId]
            for id in departmentIds { arguments += [id] }
        }
    }

    private mutating func add(_ sql: String) {
        clauses.append(sql)
    }

    /// Adds one filter condition on the column expression `column`, for field `field` (named in errors).
    private mutating func add(_ condition: Condition, column: String, field: String) throws {
        switch condition {
        case .equals(let value):
            clauses.append("\(column) = ?")
            arguments += [try Self.databaseValue(value, field: field)]
        case .isNull:
            clauses.append("\(column) IS NULL")
        case .anyOf(let values):
            guard !values.isEmpty else { clauses.append("0"); return }
            clauses.append("\(column) IN (\(Self.placeholders(values.count)))")
            for value in values { arguments += [try Self.databaseValue(value, field: field)] }
        case .noneOf(let values):
            guard !values.isEmpty else { return }
            clauses.append("(\(column) IS NULL OR \(column) NOT IN (\(Self.placeholders(values.count))))")
            for value in values { arguments += [try Self.databaseValue(value, field: field)] }
        case .greaterOrEqual(let value):
            clauses.append("\(column) >= ?")
            arguments += [try Self.databaseValue(value, field: field)]
        case .lessOrEqual(let value):
            clauses.append("\(column) <= ?")
            arguments += [try Self.databaseValue(value, field: field)]
        }
    }

    var whereClause: String { clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") }

    private static let ownClause = """
        (c.owner_id = ? \
        OR EXISTS (SELECT 1 FROM customer_viewers v WHERE v.customer_id = c.id AND v.user_id = ?) \
        OR EXISTS (SELECT 1 FROM customer_shares s WHERE s.customer_id = c.id AND s.user_id = ?))
        """

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    /// A filter value as SQLite stores it; text is compared in NFC like everything stored.
    private static func databaseValue(_ value: SnapshotValue, field: String) throws -> DatabaseValue {
        switch value {
        case .string(let text): return text.precomposedStringWithCanonicalMapping.databaseValue
        case .integer(let number): return number.databaseValue
        case .double(let number): return number.databaseValue
        case .bool(let flag): return flag.databaseValue
        case .array, .object:
            throw CRMError.invalid(field: "filter.\(field)", reason: "must be a string, number or boolean")
        }
    }
}
