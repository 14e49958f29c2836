import XCTest
@testable import CrowdCLIPCore

/// The paths the CLI takes into the encoders: texts through the tokenizer, `.npy` and image files.
final class EncoderInputTests: XCTestCase {
    func testPromptsThroughTheTokenizerMatchOpenCLIP() throws {
        let ref = try EncoderParityTests.reference("tiny-p16")
        let prompts = try XCTUnwrap(ref.prompts)
        let model = try CLIPModel(path: Fixtures.path("models/tiny-p16.safetensors"), headWidth: ref.head_width)
        let features = try model.encodeTexts(prompts, tokenizer: try CLIPTokenizer.standard())
        let d = EncoderParityTests.maxDifference(features, ref.text_features)
        XCTAssertLessThanOrEqual(d, 1e-4)
    }

    func testNpyBatchAndSingleImageAreFedAsIs() throws {
        let ref = try EncoderParityTests.reference("tiny-p32")
        let model = try CLIPModel(path: Fixtures.path("models/tiny-p32.safetensors"), headWidth: ref.head_width)
        let images = EncoderParityTests.syntheticImages(2)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crowdclip-npy-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let batchPath = dir.appendingPathComponent("batch.npy").path
        try NPYFile.write(images, to: batchPath)
        let batch = try ImageInput.load(path: batchPath, preprocessing: .crowdclip)
        XCTAssertEqual(batch.shape, [2, 3, 224, 224])
        XCTAssertLessThanOrEqual(EncoderParityTests.maxDifference(try model.encodeImages(batch), ref.image_features), 1e-4)

        let singlePath = dir.appendingPathComponent("one.npy").path
        try NPYFile.write(images.row(1), to: singlePath)
        let one = try ImageInput.load(path: singlePath, preprocessing: .clip)
        XCTAssertEqual(one.shape, [1, 3, 224, 224])
        XCTAssertLessThanOrEqual(EncoderParityTests.maxDifference(try model.encodeImages(one), [ref.image_features[1]]), 1e-4)

        let flatPath = dir.appendingPathComponent("flat.npy").path
        try NPYFile.write(Tensor(zeros: [4, 5]), to: flatPath)
        XCTAssertThrowsError(try ImageInput.load(path: flatPath, preprocessing: .clip)) { e in
            XCTAssertTrue("\(e)".contains("flat.npy") && "\(e)".contains("[N, 3, H, W]"), "\(e)")
        }
    }

    func testImageFileGoesThroughPreprocessing() throws {
        let path = Fixtures.path("images/scene-97x61.png")
        let t = try ImageInput.load(path: path, preprocessing: .clip)
        XCTAssertEqual(t.shape, [1, 3, 224, 224])
        let direct = Preprocessing.clip.tensor(from: try ImageIO.decode(path: path))
        XCTAssertEqual(t.array, direct.array)
    }

    func testEmptyBatchesGiveEmptyFeatures() throws {
        let model = try CLIPModel(path: Fixtures.path("models/tiny-p32.safetensors"), headWidth: 8)
        XCTAssertEqual(try model.encodeImages(Tensor(zeros: [0, 3, 224, 224])).shape, [0, 8])
        XCTAssertEqual(try model.encodeTexts([[Int32]]()).shape, [0, 8])
        // A row without ids (no end token) is not a crash: its feature is taken at position 0.
        XCTAssertEqual(try model.encodeTexts([[]]).shape, [1, 8])
    }

    func testTextOnlyOrImageOnlyStores() throws {
        let full = try WeightLoader.load(path: Fixtures.path("models/tiny-p32.safetensors"))
        var visual = full
        for name in full.names where !name.hasPrefix("visual.") { visual.remove(name) }
        let v = try CLIPModel(weights: visual, headWidth: 8)
        XCTAssertTrue(v.hasVision); XCTAssertFalse(v.hasText)
        XCTAssertThrowsError(try v.encodeTexts([[1, 63]])) { e in XCTAssertTrue("\(e)".contains("no text encoder")) }
        var textual = full
        for name in full.names where name.hasPrefix("visual.") { textual.remove(name) }
        let t = try CLIPModel(weights: textual, headWidth: 8)
        XCTAssertFalse(t.hasVision); XCTAssertTrue(t.hasText)
        XCTAssertThrowsError(try t.encodeImages(Tensor(zeros: [1, 3, 224, 224]))) { e in XCTAssertTrue("\(e)".contains("no image encoder")) }
    }
}
