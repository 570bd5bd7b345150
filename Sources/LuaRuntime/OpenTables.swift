import CLuaShim

/// The tables a read or walk of a Lua value is inside right now, innermost last: a table met
/// again among them contains itself. Most values a binding reads nest a table or two, so the
/// first few are kept inline; an array (one allocation per read) showed in every `crm.schedule`.
struct OpenTables {
    private var first: (UnsafeRawPointer?, UnsafeRawPointer?, UnsafeRawPointer?, UnsafeRawPointer?) = (nil, nil, nil, nil)
    private var more: [UnsafeRawPointer] = []
    private(set) var count = 0
    /// What the read or walk has copied so far, against its bounds.
    var budget = CopyBudget()

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

/// The bounds of one host-side copy of a script value (a `crm` call's arguments, a job payload):
/// at most `maximumValues` values, shared subtables counted each time they are met (a table of
/// twenty levels of `{t, t}` is a million values to copy, not twenty), and its bytes charged to
/// what the state's heap has left, so a copy cannot cost the host more than the plugin could have
/// allocated itself. The deadline is looked at every `checkEvery` values.
struct CopyBudget {
    static let maximumValues = 100_000
    static let checkEvery = 1_024
    /// What a copied value costs beside its string bytes (its `LuaValue` and dictionary slot).
    static let bytesPerValue = 48

    private(set) var values = 0
    private(set) var bytes = 0

    /// Counts one value of `stringBytes` bytes; throws once a bound or a limit is passed.
    mutating func charge(_ L: OpaquePointer, stringBytes: Int = 0) throws {
        values += 1
        bytes += Self.bytesPerValue + stringBytes
        guard values <= Self.maximumValues else {
            throw LuaError.conversion("value has more than \(Self.maximumValues) parts to copy (a table met again counts again)")
        }
        if stringBytes > 4096 || values % Self.checkEvery == 0 {
            if lantern_charge_copy(L, bytes) == 0 { throw LuaError(kind: .memoryLimit, message: "memory limit exceeded") }
            if lantern_limit_hit(L) == Int32(LANTERN_LIMIT_TIME) { throw LuaError(kind: .timeLimit, message: "time limit exceeded") }
        }
    }
}
