import XCTest
@testable import CrowdCLIPCore

/// `Evaluation` with the next image decoded while this one is counted reports exactly what the sequential run
/// reports, in the same order: labelled and unlabelled images, a dataset size limit, and files that fail.
final class EvaluationOverlapTests: XCTestCase {
    func testOverlappedEvaluationEqualsTheSequentialOne() throws {
        let (base, counter) = try CountingParityTests.models()
        var cfg = CountingConfiguration()
        cfg.crowdClasses = ["crowd"]  // keep every patch, so the counts are non-zero and differ between images
        cfg.headsTopK = 6
        let crowd = try CrowdCounter(base: base, counter: counter, tokenizer: try CLIPTokenizer.standard(), configuration: cfg)
        let tree = try DatasetReader.samples(kind: .shanghaitech, root: Fixtures.path("datasets/trees/shanghaitech"), split: "test")
        let bad = NSTemporaryDirectory() + "crowdclip-eval-overlap-\(getpid()).png"
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: bad))
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let samples = [tree[0], DatasetSample(imagePath: bad, groundTruth: 3), tree[1],
                       DatasetSample(imagePath: "/nonexistent/missing.jpg", groundTruth: 1),
                       DatasetSample(imagePath: tree[2].imagePath, groundTruth: nil, maxLongSide: 6), tree[2]]

        func run(overlap: Bool) throws -> (report: Evaluation.Report, streamed: [String], failed: [String], progress: [Int]) {
            let evaluation = Evaluation(counter: crowd)
            evaluation.overlap = overlap
            var streamed: [String] = [], failed: [String] = [], progress: [Int] = []
            let report = try evaluation.run(samples, row: { streamed.append("\($0.image) \($0.count)") },
                                            onFailure: { failed.append("\($0): \($1)") },
                                            progress: { done, _, m in progress.append(done * 10 + m.count) })
            return (report, streamed, failed, progress)
        }
        let sequential = try run(overlap: false), overlapped = try run(overlap: true)
        XCTAssertEqual(sequential.report.rows.count, 4)
        XCTAssertEqual(sequential.failed.count, 2)
        XCTAssertEqual(sequential.report.unlabelled, 1)
        XCTAssertNotEqual(sequential.report.rows[3].count, sequential.report.rows[2].count, "the dataset's size limit must reach the counter")
        // Both runs count what counting each decoded (and, for the limited sample, shrunk) image directly gives.
        let direct = try [tree[0], tree[1]].map { try crowd.count(imageAt: $0.imagePath).count }
            + [try crowd.count(PatchGrid.limitingLongSide(ImageIO.decode(path: tree[2].imagePath), to: 6), name: "x").count,
               try crowd.count(imageAt: tree[2].imagePath).count]
        XCTAssertEqual(sequential.report.rows.map(\.count), direct)
        XCTAssertEqual(overlapped.streamed, sequential.streamed)
        XCTAssertEqual(overlapped.failed, sequential.failed)
        XCTAssertEqual(overlapped.progress, sequential.progress)
        XCTAssertEqual(overlapped.report.metrics, sequential.report.metrics)
        XCTAssertEqual(overlapped.report.unlabelled, sequential.report.unlabelled)
        XCTAssertEqual(overlapped.report.rows.map(\.count), sequential.report.rows.map(\.count))
        XCTAssertEqual(overlapped.report.failures.map(\.image), sequential.report.failures.map(\.image))
    }
}
