import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// JUnit XML of a `lantern plugin test` run (`--junit FILE`): one `<testsuite>` per spec file,
/// one `<testcase>` per test, `<failure>` and `<skipped/>` as CI systems read them.
public enum JUnitReport {
    public static func xml(_ reports: [PluginTestRun.FileReport]) -> String {
        let root = XMLElement(name: "testsuites")
        var totalTests = 0
        var totalFailures = 0
        for report in reports {
            let suite = XMLElement(name: "testsuite")
            let failures = report.results.filter { if case .failed = $0.outcome { true } else { false } }.count
            let errors = report.loadError == nil ? 0 : 1
            let skipped = report.results.filter { $0.outcome == .pending }.count
            let tests = report.results.count + errors
            totalTests += tests
            totalFailures += failures + errors
            suite.addAttribute(attribute("name", report.file))
            suite.addAttribute(attribute("tests", String(tests)))
            suite.addAttribute(attribute("failures", String(failures)))
            suite.addAttribute(attribute("errors", String(errors)))
            suite.addAttribute(attribute("skipped", String(skipped)))
            suite.addAttribute(attribute("time", seconds(report.results.reduce(0) { $0 + $1.seconds })))
            if let loadError = report.loadError {
                let testcase = XMLElement(name: "testcase")
                testcase.addAttribute(attribute("classname", report.plugin))
                testcase.addAttribute(attribute("name", "\(report.file) (loading)"))
                let error = XMLElement(name: "error", stringValue: loadError)
                error.addAttribute(attribute("message", loadError))
                testcase.addChild(error)
                suite.addChild(testcase)
            }
            for result in report.results {
                let testcase = XMLElement(name: "testcase")
                testcase.addAttribute(attribute("classname", report.plugin))
                testcase.addAttribute(attribute("name", result.name))
                testcase.addAttribute(attribute("time", seconds(result.seconds)))
                switch result.outcome {
                case .passed: break
                case .pending: testcase.addChild(XMLElement(name: "skipped"))
                case .failed(let message):
                    let failure = XMLElement(name: "failure", stringValue: message)
                    failure.addAttribute(attribute("message", message.split(separator: "\n").first.map(String.init) ?? message))
                    testcase.addChild(failure)
                }
                suite.addChild(testcase)
            }
            root.addChild(suite)
        }
        root.addAttribute(attribute("tests", String(totalTests)))
        root.addAttribute(attribute("failures", String(totalFailures)))
        let document = XMLDocument(rootElement: root)
        document.characterEncoding = "UTF-8"
        document.version = "1.0"
        return document.xmlString(options: [.nodePrettyPrint]) + "\n"
    }

    private static func attribute(_ name: String, _ value: String) -> XMLNode {
        XMLNode.attribute(withName: name, stringValue: value) as! XMLNode
    }

    private static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }
}
