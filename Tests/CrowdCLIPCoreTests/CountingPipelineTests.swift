import XCTest
@testable import CrowdCLIPCore

/// Counting preprocesses one batch of patches at a time, and a batch prepares the next image while this one is
/// encoded; neither may change a decision or a count.
final class CountingPipelineTests: XCTestCase {
    /// The "wide" fixture configuration: the tiny models keep some patches with it, so the counter runs.
    func wide(grid: Int, batchSize: Int?) -> CountingConfiguration {
        var c = CountingConfiguration()
        c.grid = grid
        c.crowdClasses = ["crowd", "tree"]
        c.headsTopK = 5
        c.countPrompts.values = [10, 30, 60, 100]
        c.batchSize = batchSize
        return c
    }

    func counter(_ configuration: CountingConfiguration) throws -> CrowdCounter {
        let (base, counter) = try CountingParityTests.models()
        return try CrowdCounter(base: base, counter: counter, tokenizer: try CLIPTokenizer.standard(), configuration: configuration)
    }

    /// The pipeline as it was before batch-at-a-time: every patch preprocessed first, then encoded in the same
    /// chunks. Batch-at-a-time must give bit-identical features, so identical results.
    func everyPatchFirst(_ crowd: CrowdCounter, _ image: RGBImage) throws -> [(selected: Bool, count: Double)] {
        let c = crowd.configuration, batch = c.batchSize ?? 16
        let boxes = PatchGrid.boxes(width: image.width, height: image.height, grid: c.grid)
        let patches = boxes.map { Preprocessing.crowdclip.tensor(from: image.cropped(to: $0)) }
        func encode(_ rows: [Int], _ model: CLIPModel) throws -> Tensor {
            let out = Tensor(zeros: [rows.count, model.config.embedDim])
            for start in stride(from: 0, to: rows.count, by: batch) {
                let chunk = Array(rows[start..<min(start + batch, rows.count)])
                let input = Tensor(shape: [chunk.count, 3, 224, 224], values: chunk.flatMap { patches[$0].array })
                let f = try model.encodeImages(input)
                (out.pointer + start * f.shape[1]).update(from: f.pointer, count: f.count)
            }
            return out
        }
        let texts = try CLIPTokenizer.standard()
        let crowdTexts = try crowd.base.encodeTexts(c.prompts(c.crowdTemplate, c.crowdClasses), tokenizer: texts)
        let headsTexts = try crowd.base.encodeTexts(c.prompts(c.headsTemplate, c.headsClasses), tokenizer: texts)
        let countTexts = try crowd.base.encodeTexts(c.countPrompts.texts, tokenizer: texts)
        let (kept, _) = ProgressiveFilter.keep(
            imageFeatures: try encode(Array(boxes.indices), crowd.base), firstTexts: FrozenTensor(crowdTexts), firstTarget: 0,
            secondTexts: FrozenTensor(headsTexts), secondTarget: 0, secondTopK: c.headsTopK)
        let keptRows = kept.indices.filter { kept[$0] }
        var counts = [Double](repeating: 0, count: boxes.count)
        if !keptRows.isEmpty {
            let (values, _) = ProgressiveFilter.counts(
                imageFeatures: try encode(keptRows, crowd.counter), countTexts: FrozenTensor(countTexts), values: c.countPrompts.values,
                logitScale: crowd.counter.logitScale, aggregation: c.aggregation)
            for (k, r) in keptRows.enumerated() { counts[r] = values[k] }
        }
        return zip(kept, counts).map { ($0, $1) }
    }

    /// Grid 4 in batches of 3 (the last one short): the first batch comes prepared, the others are made on
    /// demand, and the counter reuses the prepared inputs or prepares kept patches again.
    func testOneBatchAtATimeMatchesEveryPatchFirst() throws {
        let crowd = try counter(wide(grid: 4, batchSize: 3))
        var keptInFirst = 0, keptLater = 0
        for name in ["scene-0.png", "scene-1.png", "scene-2.png", "scene-3.png"] {
            let image = try ImageIO.decode(path: Fixtures.path("counting/\(name)"))
            let ours = try crowd.count(image, name: name).patches
            let reference = try everyPatchFirst(crowd, image)
            XCTAssertEqual(ours.map(\.selected), reference.map(\.selected), name)
            XCTAssertEqual(ours.map(\.count), reference.map(\.count), name)
            keptInFirst += ours.prefix(3).filter(\.selected).count
            keptLater += ours.dropFirst(3).filter(\.selected).count
        }
        XCTAssertGreaterThan(keptInFirst, 0, "the counter must reuse prepared inputs")
        XCTAssertGreaterThan(keptLater, 0, "the counter must prepare inputs again")
    }

    /// A prepared image holds one batch of inputs, whatever the grid: the network inputs of its first patches.
    func testAPreparedImageHoldsOneBatch() throws {
        let image = try ImageIO.decode(path: Fixtures.path("counting/scene-1.png"))
        let prepared = try counter(wide(grid: 8, batchSize: nil)).prepare(image, name: "scene-1")
        XCTAssertEqual(prepared.boxes.count, 64)
        XCTAssertEqual(prepared.firstBatch.shape, [16, 3, 224, 224])
        let third = Preprocessing.crowdclip.tensor(from: image.cropped(to: prepared.boxes[2]))
        XCTAssertEqual(Array(prepared.firstBatch.array[(2 * third.count)..<(3 * third.count)]), third.array)
        XCTAssertEqual(try counter(wide(grid: 2, batchSize: nil)).prepare(image, name: "x").firstBatch.shape[0], 4)
        XCTAssertThrowsError(try counter(wide(grid: 8, batchSize: nil)).prepare(RGBImage(width: 7, height: 40), name: "tiny.png")) {
            XCTAssertTrue("\($0)".contains("tiny.png"), "\($0)")
        }
    }

    /// Overlapped and sequential batches write the same records, failures and progress, in the same order:
    /// bad files, an image smaller than the grid, a missing file and a resumed image among good ones.
    func testOverlapWritesWhatTheSequentialPathWrites() throws {
        let dir = NSTemporaryDirectory() + "crowdclip-overlap-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for i in 0..<4 { try FileManager.default.copyItem(atPath: Fixtures.path("counting/scene-\(i).png"), toPath: "\(dir)/s\(i).png") }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: "\(dir)/bad.png"))
        try ImageIO.writePNG(RGBImage(width: 2, height: 2), to: "\(dir)/small.png")
        let images = PathList(["s0.png", "bad.png", "s1.png", "small.png", "missing.jpg", "s2.png", "s3.png", "s0.png"].map { "\(dir)/\($0)" })
        let done = "{\"image\": \"s2.png\", \"path\": \"\(CanonicalPath.of(dir + "/s2.png")!)\", \"count\": 1, \"patches\": []}\n"
        try done.write(toFile: dir + "/done.jsonl", atomically: true, encoding: .utf8)
        let resume = try ResumeIndex(readingFile: dir + "/done.jsonl", expected: .jsonl)
        XCTAssertEqual(resume.countedImages, 1)

        func run(overlap: Bool) throws -> (lines: [String], failures: [String], progress: [Int], summary: [Int]) {
            var lines: [String] = [], failures: [String] = [], progress: [Int] = []
            let batch = try BatchCounting(counter: try counter(wide(grid: 3, batchSize: 4)), format: .jsonl) { lines.append($0) }
            batch.overlap = overlap
            let s = try batch.run(images, resume: resume, onFailure: { failures.append("\($0): \($1)") }, progress: { progress.append($0.done * 10 + $0.skipped) })
            return (lines, failures, progress, [s.counted, s.failed, s.skipped])
        }
        let sequential = try run(overlap: false), overlapped = try run(overlap: true)
        XCTAssertEqual(sequential.summary, [4, 3, 1])
        XCTAssertEqual(sequential.lines.count, 7)
        XCTAssertTrue(sequential.lines.contains { $0.contains("\"selected\": true") }, "the counter must run")
        XCTAssertEqual(overlapped.lines, sequential.lines)
        XCTAssertEqual(overlapped.failures, sequential.failures)
        XCTAssertEqual(overlapped.progress, sequential.progress)
        XCTAssertEqual(overlapped.summary, sequential.summary)
    }
}
