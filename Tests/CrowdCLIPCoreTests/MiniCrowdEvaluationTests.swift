import XCTest
@testable import CrowdCLIPCore

/// The whole mini-crowd test split through `Evaluation` with the tiny models (skipped without ../shared).
final class MiniCrowdEvaluationTests: XCTestCase {
    func testEvaluatesTheSharedSet() throws {
        guard let root = Fixtures.miniCrowd else { throw XCTSkip("../shared/data/mini-crowd not present") }
        let (base, counter) = try CountingParityTests.models()
        let crowd = try CrowdCounter(base: base, counter: counter, tokenizer: try CLIPTokenizer.standard())
        let samples = try DatasetReader.samples(kind: .shanghaitech, root: root.path, split: "test")
        let report = try Evaluation(counter: crowd).run(samples)
        XCTAssertEqual(report.rows.count, 8)
        XCTAssertTrue(report.failures.isEmpty)
        XCTAssertEqual(report.metrics.count, 8)
        XCTAssertTrue(report.metrics.mae.isFinite)
    }
}
