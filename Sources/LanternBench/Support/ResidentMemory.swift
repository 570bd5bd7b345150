import CLuaShim
import Foundation

/// The process's resident memory, from `/proc/self/statm` (Linux).
enum ResidentMemory {
    /// Resident bytes now, after handing freed heap pages back to the system so that what a
    /// previous measurement released does not flatter the next one.
    static func bytes() -> Int {
        lantern_release_free_memory()
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
