#if canImport(Glibc)
import Foundation
import Glibc

/// Hot reload (plugin-api.md section 8): watches a tenant's plugins folder with inotify (no
/// polling loop) and, once a burst of changes has settled, reloads each plugin that changed,
/// loads new ones and unloads removed ones. Validation happens before the swap, so a broken save
/// leaves the old version serving with the error in its status.
///
/// ```swift
/// let watcher = try PluginWatcher(host: host)
/// watcher.start()
/// ...
/// watcher.stop()
/// ```
public final class PluginWatcher: @unchecked Sendable {
    public let host: PluginHost
    /// How long changes must be quiet before a reload (editors save in several steps).
    public let settle: Duration
    private let inotify: Int32
    private var wakeup: [Int32] = [-1, -1]
    private var watched: [Int32: URL] = [:]
    private var thread: Thread?
    /// Called after each reload with the plugin folders that were looked at (for the server's log).
    public var onReload: (@Sendable ([URL]) -> Void)?

    public init(host: PluginHost, settle: Duration = .milliseconds(30)) throws {
        self.host = host
        self.settle = settle
        inotify = inotify_init1(Int32(IN_CLOEXEC))
        guard inotify >= 0, pipe(&wakeup) == 0 else {
            throw PluginLoadError(file: host.folder.path, problem: "cannot watch for changes: \(String(cString: strerror(errno)))")
        }
        watchTree()
    }

    deinit {
        stop()
        close(inotify)
        close(wakeup[0])
        close(wakeup[1])
    }

    /// Starts watching on a thread of its own.
    public func start() {
        guard thread == nil else { return }
        let thread = Thread { [unowned self] in run() }
        thread.name = "lantern-plugin-watcher"
        self.thread = thread
        thread.start()
    }

    /// Stops watching; returns once the watching thread is done.
    public func stop() {
        guard let thread else { return }
        var byte: UInt8 = 1
        _ = write(wakeup[1], &byte, 1)
        while !thread.isFinished { usleep(1_000) }
        self.thread = nil
    }

    /// Watches the tenant folder, every plugin folder and every folder under them.
    private func watchTree() {
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF)
        var folders = [host.folder]
        if let walker = FileManager.default.enumerator(at: host.folder, includingPropertiesForKeys: [.isDirectoryKey]) {
            for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
                folders.append(url)
            }
        }
        for folder in folders {
            let descriptor = inotify_add_watch(inotify, folder.path, mask)
            if descriptor >= 0 { watched[descriptor] = folder.standardizedFileURL }
        }
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var changed: Set<String> = []
        while true {
            var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeup[0], events: Int16(POLLIN), revents: 0)]
            let settleMilliseconds = Int32(settle.components.seconds * 1000 + settle.components.attoseconds / 1_000_000_000_000_000)
            let ready = poll(&fds, 2, changed.isEmpty ? -1 : settleMilliseconds)
            if ready < 0 && errno == EINTR { continue }
            if fds[1].revents != 0 { return }
            if ready == 0 {
                reload(changed)
                changed = []
                continue
            }
            let count = read(inotify, &buffer, buffer.count)
            guard count > 0 else { continue }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let event = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: inotify_event.self) }
                if let folder = watched[event.wd] { changed.insert(pluginName(for: folder, event: event, at: offset, in: buffer)) }
                offset += MemoryLayout<inotify_event>.size + Int(event.len)
            }
        }
    }

    /// The plugin folder name a change belongs to ("" for the tenant folder's own entries it names).
    private func pluginName(for folder: URL, event: inotify_event, at offset: Int, in buffer: [UInt8]) -> String {
        let root = host.folder.standardizedFileURL.pathComponents
        let components = folder.pathComponents
        if components.count > root.count { return components[root.count] }
        // A change in the tenant folder itself: the entry's name is the plugin folder.
        let start = offset + MemoryLayout<inotify_event>.size
        let nameBytes = buffer[start..<min(buffer.count, start + Int(event.len))].prefix { $0 != 0 }
        return String(decoding: nameBytes, as: UTF8.self)
    }

    private func reload(_ names: Set<String>) {
        watchTree()   // new folders need watches of their own
        var looked: [URL] = []
        for name in names.sorted() where !name.isEmpty {
            let folder = host.folder.appendingPathComponent(name)
            looked.append(folder)
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("plugin.toml").path) {
                host.load(folder: folder)
            } else {
                host.unload(name)
            }
        }
        onReload?(looked)
    }
}
#endif
