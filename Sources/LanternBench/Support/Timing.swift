import Foundation

/// Wall-clock timing for the bench (monotonic clock).
enum Timing {
    /// Seconds `body` took.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Runs `subject` and `floor` alternately, `rounds` times each (so that drift in the machine's
    /// speed hits both alike), and returns the median seconds of each.
    static func paired(rounds: Int, subject: () throws -> Void, floor: () throws -> Void) rethrows -> (subject: Double, floor: Double) {
        var subjects: [Double] = []
        var floors: [Double] = []
        for round in 0..<rounds {
            // Alternate which goes first, so neither always runs on a warmer cache.
            if round % 2 == 0 {
                subjects.append(try seconds(subject))
                floors.append(try seconds(floor))
            } else {
                floors.append(try seconds(floor))
                subjects.append(try seconds(subject))
            }
        }
        return (median(subjects), median(floors))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// The value below which `fraction` of `values` lie (nearest rank).
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
