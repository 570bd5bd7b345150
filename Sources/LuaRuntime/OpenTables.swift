/// The tables a read or walk of a Lua value is inside right now, innermost last: a table met
/// again among them contains itself. Most values a binding reads nest a table or two, so the
/// first few are kept inline; an array (one allocation per read) showed in every `crm.schedule`.
struct OpenTables {
    private var first: (UnsafeRawPointer?, UnsafeRawPointer?, UnsafeRawPointer?, UnsafeRawPointer?) = (nil, nil, nil, nil)
    private var more: [UnsafeRawPointer] = []
    private(set) var count = 0

    func contains(_ table: UnsafeRawPointer) -> Bool {
        if count > 0, first.0 == table { return true }
        if count > 1, first.1 == table { return true }
        if count > 2, first.2 == table { return true }
        if count > 3, first.3 == table { return true }
        return count > 4 && more.contains(table)
    }

    mutating func append(_ table: UnsafeRawPointer) {
        switch count {
        case 0: first.0 = table
        case 1: first.1 = table
        case 2: first.2 = table
        case 3: first.3 = table
        default: more.append(table)
        }
        count += 1
    }

    mutating func removeLast() {
        precondition(count > 0, "no open table to close")
        count -= 1
        if count >= 4 { more.removeLast() }
    }
}
