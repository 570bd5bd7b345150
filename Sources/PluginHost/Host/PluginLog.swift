import CRMCore
import Foundation

/// One line of a plugin's log (`crm.log`, `print`, and the host's notes about the plugin).
public struct PluginLogLine: Sendable, Equatable {
    public var at: Int64
    public var plugin: String
    /// `"debug"`, `"info"`, `"warn"` or `"error"`.
    public var level: String
    public var message: String
    /// Orders lines across plugins: larger is later (set when the line is kept).
    public var sequence: Int = 0
}

/// The newest lines of one plugin's log, bounded in count and line length so a flood costs
/// a fixed amount of memory.
final class PluginLog: @unchecked Sendable {
    static let capacity = 2_000
    /// A longer line is cut to this many bytes of UTF-8, on a character boundary.
    static let maximumLineBytes = 4_000
    static let cutMark = "… (cut)"

    private static let counterLock = NSLock()
    nonisolated(unsafe) private static var counter = 0

    private let lock = NSLock()
    private var lines: [PluginLogLine] = []
    private var start = 0

    func append(_ line: PluginLogLine) {
        var line = line
        line.sequence = Self.counterLock.withLock {
            Self.counter += 1
            return Self.counter
        }
        if line.message.utf8.count > Self.maximumLineBytes {
            line.message = line.message.prefix(utf8Bytes: Self.maximumLineBytes - Self.cutMark.utf8.count) + Self.cutMark
        }
        lock.withLock {
            if lines.count < Self.capacity {
                lines.append(line)
            } else {
                lines[start] = line
                start = (start + 1) % Self.capacity
            }
        }
    }

    /// The kept lines, oldest first.
    var all: [PluginLogLine] {
        lock.withLock { Array(lines[start...] + lines[..<start]) }
    }
}
