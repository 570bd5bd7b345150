import Foundation

/// What one `lantern bench` run measured, printed as a table or as one JSON object.
public struct BenchReport: Sendable {
    public var quick: Bool
    public var metrics: [BenchMetric] = []

    public init(quick: Bool) { self.quick = quick }

    public subscript(key: String) -> BenchMetric? { metrics.first { $0.key == key } }

    /// Keys of the metrics that missed their targets.
    public var missed: [String] { metrics.filter { $0.met == false }.map(\.key) }

    /// One JSON object: every metric's key with its value, plus `quick`, `build` and `missed`.
    public func json() -> String {
        var parts = metrics.map { "\"\($0.key)\": \(BenchFormat.json($0.value))" }
        parts.append("\"quick\": \(quick)")
        parts.append("\"build\": \"\(BenchFormat.build)\"")
        parts.append("\"missed\": [\(missed.map { "\"\($0)\"" }.joined(separator: ", "))]")
        return "{" + parts.joined(separator: ", ") + "}"
    }

    /// A table with one line per metric: value, unit, target and whether it was met, and what was measured.
    public func table() -> String {
        let rows = metrics.map { metric -> [String] in
            let verdict = metric.met.map { $0 ? "ok" : "MISSED" } ?? ""
            return [metric.key, BenchFormat.number(metric.value), metric.unit, metric.target?.description ?? "", verdict, metric.detail]
        }
        let header = ["key", "value", "unit", "target", "", "measured against"]
        let widths = (0..<5).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            (0..<5).map { cells[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                + "  " + cells[5]
        }
        var lines = [line(header)]
        lines += rows.map(line)
        let summary = missed.isEmpty ? "every target met" : "missed: " + missed.joined(separator: ", ")
        lines.append("")
        lines.append("\(quick ? "quick run" : "full run"), \(BenchFormat.build) build: \(summary)")
        return lines.joined(separator: "\n").replacingOccurrences(of: " +\n", with: "\n", options: .regularExpression)
    }
}

/// How figures are written.
enum BenchFormat {
    static var build: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    /// Three significant digits, no exponent for the sizes bench figures take.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let magnitude = abs(value)
        let decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3
        return String(format: "%.\(decimals)f", value)
    }

    /// A JSON number (non-finite values, which JSON lacks, become null).
    static func json(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        // Whole numbers and large rates as integers; small figures with four significant digits.
        if abs(value) >= 1000 || value == value.rounded(), abs(value) < 1e15 { return String(Int64(value.rounded())) }
        return String(format: "%.4g", value)
    }
}
