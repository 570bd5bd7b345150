/// One figure of `lantern bench`: its JSON key, value and unit, the target it is held to (if any)
/// and a line on what was measured against what.
public struct BenchMetric: Sendable, Equatable {
    public let key: String
    public let value: Double
    public let unit: String
    public let target: BenchTarget?
    public let detail: String

    public init(_ key: String, _ value: Double, unit: String, target: BenchTarget? = nil, detail: String) {
        self.key = key
        self.value = value
        self.unit = unit
        self.target = target
        self.detail = detail
    }

    /// Nil when the metric has no target.
    public var met: Bool? { target?.isMet(by: value) }
}

/// The bound a metric must stay within on the 2-core reference machine (issue 6).
public enum BenchTarget: Sendable, Equatable, CustomStringConvertible {
    case atMost(Double)
    case atLeast(Double)

    public func isMet(by value: Double) -> Bool {
        switch self {
        case .atMost(let bound): value <= bound
        case .atLeast(let bound): value >= bound
        }
    }

    public var description: String {
        switch self {
        case .atMost(let bound): "≤ \(BenchFormat.number(bound))"
        case .atLeast(let bound): "≥ \(BenchFormat.number(bound))"
        }
    }
}
