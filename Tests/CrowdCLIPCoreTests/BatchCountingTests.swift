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

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func counter() throws -> CrowdCounter {
        let (base, counter) = try CountingParityTests.models()
        return try CrowdCounter(base: base, counter: counter, tokenizer: try CLIPTokenizer.standard())
    }

    /// Counts `images` into the file `out` as the CLI does; returns the summary.
    @discardableResult
    func count(_ images: PathList, into out: String, resume: Bool) throws -> BatchCounting.Summary {
        let index = try CountOutputFile.preflight(path: out, format: .jsonl, inputs: images, resume: resume)
        let file = try CountOutputFile(path: out, format: .jsonl, continuing: resume ? index : nil)
        let summary = try BatchCounting(counter: try counter(), format: .jsonl, write: file.write).run(images, resume: index)
        if resume { try CountOutputFile.compact(path: out, format: .jsonl) }
        return summary
    }

    func records(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
        }
    }

    func testBadFileInTheMiddleIsReportedAndTheBatchGoesOn() throws {
        let expansion = ImageInputs.expand([dir])
        XCTAssertTrue(expansion.problems.isEmpty)
        let images = Array(expansion.images)
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
        XCTAssertEqual(first["path"] as? String, CanonicalPath.resolved(dir)! + "/IMG_2.png")
        XCTAssertEqual((first["patches"] as? [[String: Any]])?.count, 9)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/pictures/IMG_2.png"))
        XCTAssertNoThrow(try ImageIO.decode(path: dir + "/pictures/IMG_12.png"))
    }

    /// Counting a folder by a relative spelling and resuming by its absolute one counts nothing twice; the image
    /// that failed is tried again and, once it succeeds, only its success remains.
    func testResumeKeysOnTheCanonicalPathAndKeepsOneRecordPerImage() throws {
        let out = dir + "/out.jsonl"
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(dir))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
        var s = try count(ImageInputs.expand(["."]).images, into: out, resume: false)
        XCTAssertEqual([s.counted, s.failed], [2, 1])
        try FileManager.default.copyItem(atPath: Fixtures.path("counting/scene-1.png"), toPath: dir + "/fixed.png")
        try FileManager.default.removeItem(atPath: dir + "/IMG_3.png")
        try FileManager.default.createSymbolicLink(atPath: dir + "/IMG_3.png", withDestinationPath: dir + "/fixed.png")
        let absolute = ImageInputs.expand([CanonicalPath.resolved(dir)!]).images
        s = try count(absolute, into: out, resume: true)
        XCTAssertEqual([s.skipped, s.counted, s.failed], [2, 2, 0], "IMG_3 retried, fixed.png new")
        let r = try records(out)
        XCTAssertEqual(r.count, 4)
        XCTAssertEqual(Set(r.compactMap { $0["path"] as? String }).count, 4)
        XCTAssertTrue(r.allSatisfy { $0["count"] != nil && $0["error"] == nil }, "\(r)")
    }

    func testATornLastRecordIsDroppedBeforeAppending() throws {
        let out = dir + "/out.jsonl"
        let images = ImageInputs.expand([dir + "/IMG_2.png", dir + "/IMG_12.png"]).images
        try count(PathList(images.prefix(1)), into: out, resume: false)
        let whole = try Data(contentsOf: URL(fileURLWithPath: out))
        try (whole + Data("{\"image\": \"IMG_12.png\", \"pa".utf8)).write(to: URL(fileURLWithPath: out))
        let index = try ResumeIndex(readingFile: out, expected: .jsonl)
        XCTAssertEqual(index.completeLength, whole.count)
        XCTAssertEqual(index.tornBytes, 27)
        XCTAssertEqual(index.countedImages, 1)
        try count(images, into: out, resume: true)
        XCTAssertEqual(try records(out).map { ($0["image"] as? String).map { ($0 as NSString).lastPathComponent } }, ["IMG_2.png", "IMG_12.png"])
    }

    func testResumeRefusesAnotherFormatAndLeavesTheFileUntouched() throws {
        let out = dir + "/counts.jsonl"
        let text = "{\"image\": \"a.jpg\", \"path\": \"/x/a.jpg\", \"count\": 3, \"patches\": []}\n"
        try text.write(toFile: out, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CountOutputFile.preflight(path: out, format: .csv, inputs: PathList(), resume: true)) {
            XCTAssertEqual($0 as? OutputFileError, .formatMismatch(file: out, found: "JSON lines", expected: .csv))
            XCTAssertTrue("\($0)".contains("left untouched"), "\($0)")
        }
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), text)
        try "image,count,selected_patches,error\na.jpg,3,1,\n".write(toFile: out, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ResumeIndex(readingFile: out, expected: .csv)) { XCTAssertTrue("\($0)".contains("older crowdclip"), "\($0)") }
    }

    func testFormatFromTheExtension() throws {
        XCTAssertEqual(try CountOutputFormat.inferred(fromFileName: "a/counts.CSV"), .csv)
        XCTAssertEqual(try CountOutputFormat.inferred(fromFileName: "counts.json"), .jsonl)
        XCTAssertEqual(try CountOutputFormat.inferred(fromFileName: "counts.jsonl"), .jsonl)
        XCTAssertEqual(try CountOutputFormat.inferred(fromFileName: "counts.tsv"), .table)
        XCTAssertThrowsError(try CountOutputFormat.inferred(fromFileName: "counts.jpg")) {
            XCTAssertTrue("\($0)".contains(".csv, .jsonl or .json, .txt or .tsv"), "\($0)")
        }
    }

    /// `-o victim.png victim.png`, by any spelling or through a symlink, is refused and the image is intact.
    func testAnOutputThatIsAnInputIsRefused() throws {
        let victim = dir + "/IMG_2.png"
        let before = try Data(contentsOf: URL(fileURLWithPath: victim))
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.jsonl", withDestinationPath: victim)
        for output in [victim, dir + "/./IMG_2.png", dir + "/link.jsonl"] {
            XCTAssertThrowsError(try CountOutputFile.preflight(path: output, format: .jsonl, inputs: ImageInputs.expand([dir]).images, resume: false)) {
                guard case .wouldOverwriteInput = $0 as? OutputFileError else { return XCTFail("\($0)") }
            }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: victim)), before)
    }

    func testOutputProblemsNameTheSystemsReason() throws {
        XCTAssertThrowsError(try CountOutputFile.preflight(path: dir + "/no/such/out.jsonl", format: .jsonl, inputs: PathList(), resume: false)) {
            XCTAssertTrue("\($0)".contains("out.jsonl: cannot write: No such file or directory"), "\($0)")
        }
        XCTAssertThrowsError(try CountOutputFile.preflight(path: dir, format: .jsonl, inputs: PathList(), resume: false)) {
            XCTAssertTrue("\($0)".contains("Is a directory"), "\($0)")
        }
        // A full disk: the write fails as a whole and the message says why.
        let full = try CountOutputFile(path: "/dev/full", format: .jsonl, continuing: ResumeIndex())
        XCTAssertThrowsError(try full.write("{\"image\": \"a.jpg\"}")) {
            XCTAssertEqual($0 as? OutputFileError, .cannotWrite(file: "/dev/full", reason: "No space left on device"))
        }
    }

    func testCSVAndTableFormats() throws {
        let result = CountResult(image: "a,b.jpg", width: 10, height: 10, count: 110, patches: [
            PatchResult(row: 0, col: 0, box: .init(left: 0, top: 0, right: 5, bottom: 5), selected: true, count: 110, margin: 1)])
        XCTAssertEqual(CountOutputFormat.csv.line(for: result, path: "/p/a,b.jpg"), "\"a,b.jpg\",\"/p/a,b.jpg\",110,1,")
        XCTAssertEqual(CountOutputFormat.jsonl.line(forFailure: "x\"y.jpg", path: nil, error: "bad"),
                       "{\"image\": \"x\\\"y.jpg\", \"path\": null, \"error\": \"bad\"}")
        let header = CountOutputFormat.table.header!, row = CountOutputFormat.table.line(for: result, path: nil)
        XCTAssertTrue(row.hasSuffix("110  1/1"), row)
        // Columns line up, and a long expectation count stays inside its column.
        let long = CountResult(image: result.image, width: 10, height: 10, count: 123_456.789, patches: result.patches)
        let longRow = CountOutputFormat.table.line(for: long, path: nil)
        for line in [row, longRow] {
            XCTAssertEqual(line.count, header.count - "kept".count + "1/1".count, line)
        }
        XCTAssertTrue(longRow.contains(" 123456.8  1/1"), longRow)
        let csvPath = dir + "/out.csv"
        try ([CountOutputFormat.csvHeader, CountOutputFormat.csv.line(for: result, path: "/p/a,b.jpg"),
              CountOutputFormat.csv.line(forFailure: "bad.jpg", path: "/p/bad.jpg", error: "oops"), ""].joined(separator: "\n"))
            .write(toFile: csvPath, atomically: true, encoding: .utf8)
        let index = try ResumeIndex(readingFile: csvPath, expected: .csv)
        XCTAssertEqual(index.countedImages, 1)
        XCTAssertTrue(index.contains(path: "/p/a,b.jpg"))
        XCTAssertFalse(index.contains(path: "/p/bad.jpg"), "a failure is tried again")
    }

    func testMissingInputsAreReported() {
        let expansion = ImageInputs.expand(["/nonexistent/x.jpg", dir])
        XCTAssertEqual(expansion.images.count, 3)
        XCTAssertEqual(expansion.problems.first?.input, "/nonexistent/x.jpg")
    }

    func testSubfoldersNeedRecursiveAndAreSaidToHoldImages() throws {
        let top = dir + "/dataset"
        try FileManager.default.createDirectory(atPath: top + "/b/deeper", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: top + "/a10", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: top + "/a2", withIntermediateDirectories: true)
        for p in ["b/deeper/x.png", "a10/y.png", "a2/z.jpg", "a2/w.JPEG"] { try Data("x".utf8).write(to: URL(fileURLWithPath: top + "/" + p)) }
        let flat = ImageInputs.expand([top])
        XCTAssertEqual(flat.images.count, 0)
        XCTAssertTrue(flat.problems.first?.reason.contains("its subfolders do: add --recursive") ?? false, "\(flat.problems)")
        let deep = ImageInputs.expand([top + "/a2", top, top + "/a2/z.jpg", top + "/b"], recursive: true)
        XCTAssertEqual(deep.images.map { String($0.dropFirst(top.count + 1)) }, ["a2/w.JPEG", "a2/z.jpg", "a10/y.png", "b/deeper/x.png"],
                       "each file once, whichever argument names it first")
        XCTAssertTrue(deep.problems.isEmpty)
    }

    func testTheSameFileNamedTwiceIsOneInput() throws {
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(dir))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
        let e = ImageInputs.expand(["IMG_2.png", "./IMG_2.png", dir + "/IMG_2.png", ".", dir])
        XCTAssertEqual(Array(e.images), ["IMG_2.png", "./IMG_3.png", "./IMG_12.png"])
    }

    func testANameThatIsNotUTF8IsNamedAsSuch() throws {
        let name = Array((dir + "/bad-").utf8) + [0xFF] + Array(".png".utf8) + [0]
        let fd = name.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { creat($0.baseAddress!, 0o644) } }
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
        let e = ImageInputs.expand([dir])
        XCTAssertEqual(e.images.count, 3)
        XCTAssertEqual(e.problems.map(\.input), [dir + "/bad-\\xFF.png"])
        XCTAssertTrue(e.problems.first?.reason.contains("not valid UTF-8") ?? false)
    }

    func testNaturalOrder() {
        let names = ["IMG_10.jpg", "img_2.jpg", "IMG_1.jpg", "IMG_02.jpg", "a.jpg"]
        XCTAssertEqual(names.sorted(by: ImageInputs.naturalOrder), ["a.jpg", "IMG_1.jpg", "IMG_02.jpg", "img_2.jpg", "IMG_10.jpg"])
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

    /// JSON has no NaN or infinity: those are null; a mean over nothing is null too.
    func testJSONNumbersWithoutAValueAreNull() {
        XCTAssertEqual(JSONText.number(orNull: Float.nan), "null")
        XCTAssertEqual(JSONText.number(orNull: -Double.infinity), "null")
        XCTAssertEqual(JSONText.number(orNull: Float(0.1)), "0.1")
        XCTAssertEqual(JSONText.mean(2.5, of: 0), "null")
        XCTAssertEqual(JSONText.mean(2.5, of: 3), "2.5000")
    }
}
