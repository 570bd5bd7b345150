/// A refused `plugin.toml`, naming the file, the key and the problem (plugin-api.md section 2).
public struct ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The manifest's path.
    public let file: String
    /// The offending key (`limits.time_ms`), or nil for a problem with the whole file.
    public let key: String?
    public let problem: String
    /// Where in the file, for syntax errors.
    public let line: Int?

    public init(file: String, key: String?, problem: String, line: Int? = nil) {
        self.file = file
        self.key = key
        self.problem = problem
        self.line = line
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        guard let key else { return "\(place): \(problem)" }
        return "\(place): key '\(key)': \(problem)"
    }
}
