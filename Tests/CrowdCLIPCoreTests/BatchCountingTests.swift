import XCTest
@testable import CrowdCLIPCore

/// A batch keeps going past a bad file, reports it, loses nothing, and resumes where it stopped.
final class BatchCountingTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "crowdclip-batch-\(getpid())-\(name.hashValue)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (i, name) in ["scene-0.png", "scene-2.png"].enumerated() {
            try FileManager.default.copyItem(atPath: Fixtures.path("counting/\(name)"), toPath: "\(dir!)/IMG_\(i * 10 + 2).png")
        }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: "\(dir!)/IMG_3.png"))
    }

    func counter() throws -> CrowdCounter {
        let (base, counter) = try CountingParityTests.models()
        return try CrowdCounter(base: base, counter: counter, tokenizer: try CLIPTokenizer.standard())
    }

    func testBadFileInTheMiddleIsReportedAndTheBatchGoesOn() throws {
        let (images, problems) = ImageInputs.expand([dir])
        XCTAssertTrue(problems.isEmpty)
        XCTAssertEqual(images.map { ($0 as NSString).lastPathComponent }, ["IMG_2.png", "IMG_3.png", "IMG_12.png"], "natural order")
        var lines: [String] = [], failures: [String] = []
        let summary = try BatchCounting(counter: try counter(), format: .jsonl, visualizeDirectory: dir + "/pictures") { lines.append($0) }
            .run(images, onFailure: { path, _ in failures.append(path) })
        XCTAssertEqual(summary.counted, 2)
        XCTAssertEqual(summary.failed, 1)
        XCTAssertEqual(failures, [images[1]])
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[1].contains("\"error\": ") && lines[1].contains("IMG_3.png: not a JPEG or PNG image"), lines[1])
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(first["image"] as? String, images[0])
        XCTAssertEqual((first["patches"] as? [[String: Any]])?.count, 9)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/pictures/IMG_2.png"))
        XCTAssertNoThrow(try ImageIO.decode(path: dir + "/pictures/IMG_12.png"))
    }

    func testResumeSkipsWhatIsWrittenAndRetriesFailures() throws {
        let out = dir + "/out.jsonl"
        let (images, _) = ImageInputs.expand([dir])
        var text = ""
        _ = try BatchCounting(counter: try counter(), format: .jsonl) { text += $0 + "\n" }.run(Array(images.prefix(2)))
        try text.write(toFile: out, atomically: true, encoding: .utf8)
        let done = ResumeIndex.completedImages(in: out)
        XCTAssertEqual(done, [images[0]], "a failed image is tried again")
        var lines: [String] = []
        let summary = try BatchCounting(counter: try counter(), format: .jsonl) { lines.append($0) }.run(images, skip: done)
        XCTAssertEqual(summary.skipped, 1)
        XCTAssertEqual(lines.count, 2)
    }

    func testCSVAndTableFormats() throws {
        let result = CountResult(image: "a,b.jpg", width: 10, height: 10, count: 110, patches: [
            PatchResult(row: 0, col: 0, box: .init(left: 0, top: 0, right: 5, bottom: 5), selected: true, count: 110, margin: 1)])
        XCTAssertEqual(CountOutputFormat.csv.line(for: result), "\"a,b.jpg\",110,1,")
        XCTAssertEqual(CountOutputFormat.jsonl.line(forFailure: "x\"y.jpg", error: "bad"), "{\"image\": \"x\\\"y.jpg\", \"error\": \"bad\"}")
        XCTAssertTrue(CountOutputFormat.table.line(for: result).hasSuffix("110  1/1"))
        let csvPath = dir + "/out.csv"
        try ([CountOutputFormat.csv.header!, CountOutputFormat.csv.line(for: result),
              CountOutputFormat.csv.line(forFailure: "bad.jpg", error: "oops")].joined(separator: "\n")).write(toFile: csvPath, atomically: true, encoding: .utf8)
        XCTAssertEqual(ResumeIndex.completedImages(in: csvPath), ["a,b.jpg"])
    }

    func testMissingInputsAreReported() {
        let (images, problems) = ImageInputs.expand(["/nonexistent/x.jpg", dir])
        XCTAssertEqual(images.count, 3)
        XCTAssertEqual(problems.first?.0, "/nonexistent/x.jpg")
    }
}

/// Evaluation over a dataset tree: every labelled image scored, rows in dataset order.
final class EvaluationTests: XCTestCase {
    func testEvaluatesASplit() throws {
        let (base, counter) = try CountingParityTests.models()
        var cfg = CountingConfiguration()
        cfg.crowdClasses = ["crowd"]  // keep every patch, so counts are non-zero and MAE is meaningful
        cfg.headsTopK = 6
        let crowd = try CrowdCounter(base: base, counter: counter, tokenizer: try CLIPTokenizer.standard(), configuration: cfg)
        let samples = try DatasetReader.samples(kind: .shanghaitech, root: Fixtures.path("datasets/trees/shanghaitech"), split: "test")
        var streamed: [String] = []
        let report = try Evaluation(counter: crowd).run(samples, row: { streamed.append($0.image) })
        XCTAssertEqual(report.rows.count, 3)
        XCTAssertEqual(streamed, samples.map(\.imagePath))
        XCTAssertTrue(report.failures.isEmpty)
        var expected = CountingMetrics()
        for r in report.rows {
            XCTAssertGreaterThan(r.count, 0)
            expected.add(predicted: r.count, groundTruth: r.groundTruth!)
        }
        XCTAssertEqual(report.metrics, expected)
    }
}
