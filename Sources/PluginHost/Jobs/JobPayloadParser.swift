import LuaRuntime

/// Reads a job payload's stored text (`JobPayload`) back into a value in one pass over its bytes.
/// Foundation's `JSONDecoder` found each value's type by trying the possible ones in turn: a
/// 40 KB payload took 0.8 s to decode in a debug build, most of a handler's 100 ms even when
/// built for release, and decoding is charged to the handler's budget.
///
/// The text is the JSON the payload writer produces: a table is an array of its keys and values
/// in turn, a float is `{"n":<bits>}`, and the earlier layout tags every value (`{"s":…}`,
/// `{"i":…}`, `{"b":…}`, `{"t":[{"k":…,"v":…},…]}`). Anything else is refused as damaged.
struct JobPayloadParser {
    /// Tables nested deeper than this are refused (the writer stops at 32).
    static let maximumDepth = 64

    private let bytes: [UInt8]
    private var at = 0

    private init(_ text: String) { bytes = Array(text.utf8) }

    /// The value stored as `text`.
    static func parse(_ text: String) throws -> LuaValue {
        var parser = JobPayloadParser(text)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.at == parser.bytes.count else { throw parser.damaged("text after the payload") }
        return value
    }

    // MARK: Values

    private mutating func value(depth: Int) throws -> LuaValue {
        guard depth <= Self.maximumDepth else { throw damaged("nested more than \(Self.maximumDepth) levels") }
        skipSpace()
        guard let byte = peek() else { throw damaged("the text ends where a value was expected") }
        switch byte {
        case UInt8(ascii: "["): return .table(try pairs(depth: depth))
        case UInt8(ascii: "{"): return try tagged(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .boolean(true)
        case UInt8(ascii: "f"): try literal("false"); return .boolean(false)
        default: return .integer(try integer())
        }
    }

    /// `[k1,v1,k2,v2,…]`: a table's keys and values in turn.
    private mutating func pairs(depth: Int) throws -> LuaTable {
        at += 1
        var items: [LuaValue] = []
        skipSpace()
        if peek() == UInt8(ascii: "]") { at += 1; return LuaTable() }
        while true {
            items.append(try value(depth: depth + 1))
            skipSpace()
            if peek() == UInt8(ascii: ",") { at += 1; continue }
            try expect("]")
            break
        }
        guard items.count % 2 == 0 else { throw damaged("a table's last key has no value") }
        var entries: [LuaValue: LuaValue] = [:]
        entries.reserveCapacity(items.count / 2)
        for index in stride(from: 0, to: items.count, by: 2) {
            try checkKey(items[index])
            guard entries[items[index]] == nil else { continue }
            entries[items[index]] = items[index + 1]
        }
        return LuaTable(entries)
    }

    /// `{"n":bits}`, or a value of the earlier, tagged layout.
    private mutating func tagged(depth: Int) throws -> LuaValue {
        at += 1
        skipSpace()
        let tag = try string()
        skipSpace()
        try expect(":")
        skipSpace()
        let value: LuaValue
        switch tag {
        case "n":
            let bits = try integer(allowingUnsigned: true)
            value = .number(Double(bitPattern: UInt64(truncatingIfNeeded: bits)))
        case "s": value = .string(try string())
        case "i": value = .integer(try integer())
        case "b":
            if peek() == UInt8(ascii: "t") { try literal("true"); value = .boolean(true) } else { try literal("false"); value = .boolean(false) }
        case "t": value = .table(try taggedPairs(depth: depth))
        default: throw damaged("unknown tag \"\(tag)\"")
        }
        skipSpace()
        try expect("}")
        return value
    }

    /// `[{"k":…,"v":…},…]` of the earlier layout.
    private mutating func taggedPairs(depth: Int) throws -> LuaTable {
        try expect("[")
        var entries: [LuaValue: LuaValue] = [:]
        skipSpace()
        if peek() == UInt8(ascii: "]") { at += 1; return LuaTable() }
        while true {
            skipSpace()
            try expect("{")
            var key: LuaValue?
            var item: LuaValue?
            for _ in 0..<2 {
                skipSpace()
                let name = try string()
                skipSpace()
                try expect(":")
                let part = try value(depth: depth + 1)
                if name == "k" { key = part } else if name == "v" { item = part } else { throw damaged("unknown field \"\(name)\"") }
                skipSpace()
                if peek() == UInt8(ascii: ",") { at += 1 }
            }
            try expect("}")
            guard let key, let item else { throw damaged("an entry without its key or value") }
            try checkKey(key)
            if entries[key] == nil { entries[key] = item }
            skipSpace()
            if peek() == UInt8(ascii: ",") { at += 1; continue }
            try expect("]")
            return LuaTable(entries)
        }
    }

    /// A NaN can never be a Lua table key (pushing one would make Lua raise outside any protection).
    private func checkKey(_ key: LuaValue) throws {
        if case .number(let number) = key, number.isNaN { throw damaged("a table key that is NaN") }
    }

    // MARK: Scalars

    private mutating func integer(allowingUnsigned: Bool = false) throws -> Int64 {
        let negative = peek() == UInt8(ascii: "-")
        if negative { at += 1 }
        var magnitude: UInt64 = 0
        let start = at
        while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            let (times, overflowTimes) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflowTimes, !overflowSum else { throw damaged("a number out of range") }
            magnitude = sum
            at += 1
        }
        guard at > start else { throw damaged("a value that is not JSON") }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw damaged("a number out of range") }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        if allowingUnsigned { return Int64(bitPattern: magnitude) }
        guard magnitude <= UInt64(Int64.max) else { throw damaged("a number out of range") }
        return Int64(magnitude)
    }

    private mutating func string() throws -> String {
        try expect("\"")
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else { throw damaged("a string that never ends") }
            at += 1
            if byte == UInt8(ascii: "\"") { break }
            guard byte == UInt8(ascii: "\\") else { text.append(byte); continue }
            guard let escape = peek() else { throw damaged("a string that never ends") }
            at += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0C)
            case UInt8(ascii: "n"): text.append(0x0A)
            case UInt8(ascii: "r"): text.append(0x0D)
            case UInt8(ascii: "t"): text.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    // A surrogate pair: the low half follows as another \u escape.
                    try expect("\\")
                    try expect("u")
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw damaged("a broken surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw damaged("a broken \\u escape") }
                text.append(contentsOf: Array(String(Character(unicode)).utf8))
            default: throw damaged("an unknown escape")
            }
        }
        guard let decoded = String(validating: text, as: UTF8.self) else { throw damaged("a string that is not UTF-8") }
        return decoded
    }

    private mutating func hex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw damaged("a broken \\u escape") }
            at += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw damaged("a broken \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    // MARK: Bytes

    private func peek() -> UInt8? { at < bytes.count ? bytes[at] : nil }

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { at += 1 }
    }

    private mutating func expect(_ character: Unicode.Scalar) throws {
        guard peek() == UInt8(ascii: character) else { throw damaged("'\(character)' expected") }
        at += 1
    }

    private mutating func literal(_ word: String) throws {
        for byte in word.utf8 {
            guard peek() == byte else { throw damaged("a value that is not JSON") }
            at += 1
        }
    }

    private func damaged(_ problem: String) -> BindingError {
        BindingError("the job's payload is damaged: \(problem) at byte \(at)")
    }
}
