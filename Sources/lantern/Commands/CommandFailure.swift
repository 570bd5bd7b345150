import ArgumentParser
import Foundation

/// Prints `lantern: <message>` on standard error and exits with status 1, without usage text:
/// the message already says what was wrong.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("lantern: \(message)\n".utf8))
    return ExitCode(1)
}

/// Runs `body`, turning any error into a one-line message on standard error and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        throw fail("\(error)")
    }
}
