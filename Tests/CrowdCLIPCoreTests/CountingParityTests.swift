import XCTest
@testable import CrowdCLIPCore

/// The test stage against a Python transcription of CrowdCLIP's procedure (Tools/gen_40_counting.py).
final class CountingParityTests: XCTestCase {
    struct Expected: Decodable {
        struct Config: Decodable {
            let crowd: [String]; let crowd_target: String
            let heads: [String]; let heads_target: String; let topk: Int; let values: [Int]
        }
        struct Patch: Decodable { let row: Int; let col: Int; let selected: Bool; let count: Int; let margin: Float }
        struct Case: Decodable { let image: String; let grid: Int; let config: String; let count: Int; let patches: [Patch] }
        let configs: [String: Config]
        let cases: [Case]
    }

    static func models() throws -> (CLIPModel, CLIPModel) {
        (try CLIPModel(path: Fixtures.path("models/tiny-p16.safetensors"), headWidth: 8),
         try CLIPModel(path: Fixtures.path("counting/counter-visual.safetensors"), headWidth: 8))
    }

    func configuration(_ c: Expected.Config, grid: Int) -> CountingConfiguration {
        var cfg = CountingConfiguration()
        cfg.grid = grid
        cfg.crowdClasses = c.crowd; cfg.crowdTarget = c.crowd_target
        cfg.headsClasses = c.heads; cfg.headsTarget = c.heads_target; cfg.headsTopK = c.topk
        cfg.countPrompts.values = c.values
        return cfg
    }

    func testDecisionsAndCountsMatchTheReference() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: try Fixtures.data("counting/expected.json"))
        let (base, counter) = try Self.models()
        let tokenizer = try CLIPTokenizer.standard()
        var checked = 0, keptChecked = 0
        for c in expected.cases {
            let cfg = configuration(expected.configs[c.config]!, grid: c.grid)
            let crowd = try CrowdCounter(base: base, counter: counter, tokenizer: tokenizer, configuration: cfg)
            let result = try crowd.count(imageAt: Fixtures.path("counting/\(c.image)"))
            XCTAssertEqual(result.patches.count, c.patches.count)
            var allDecided = true
            for (ours, ref) in zip(result.patches, c.patches) {
                XCTAssertEqual([ours.row, ours.col], [ref.row, ref.col])
                guard ref.margin > 1e-3 else { allDecided = false; continue }  // too close to call in float32
                XCTAssertEqual(ours.selected, ref.selected, "\(c.image) grid \(c.grid) \(c.config) patch \(ref.row),\(ref.col)")
                XCTAssertEqual(ours.count, Double(ref.count), "\(c.image) grid \(c.grid) \(c.config) patch \(ref.row),\(ref.col)")
                checked += 1
                if ref.selected { keptChecked += 1 }
            }
            if allDecided { XCTAssertEqual(result.count, Double(c.count), "\(c.image) grid \(c.grid) \(c.config)") }
        }
        XCTAssertGreaterThan(checked, 150)
        XCTAssertGreaterThan(keptChecked, 20, "stage 3 must be exercised")
    }
}

/// The decision logic on hand-made features.
final class ProgressiveFilterTests: XCTestCase {
    func features(_ rows: [[Float]]) -> Tensor { Tensor(shape: [rows.count, rows[0].count], values: rows.flatMap { $0 }) }

    func testStagesAndTopK() {
        // Texts are unit axes, so a feature's similarities are its coordinates.
        let first = features([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
        let second = features([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
        let f1 = features([[0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.5, 0.2, 0.1]])
        let (kept1, _) = ProgressiveFilter.keep(imageFeatures: f1, firstTexts: FrozenTensor(first), firstTarget: 0,
                                                secondTexts: FrozenTensor(features([[1, 0, 0], [0, 1, 0], [0, 0, 1]])), secondTarget: 0, secondTopK: 1)
        XCTAssertEqual(kept1, [true, false, true])
        let f2 = features([[0.1, 0.4, 0.3, 0.2], [0.1, 0.4, 0.2, 0.3]])
        // Stage 1 over the same four axes: target 1 wins for both rows; stage 2 target 2 is 2nd and 3rd.
        let (top2, _) = ProgressiveFilter.keep(imageFeatures: f2, firstTexts: FrozenTensor(second), firstTarget: 1,
                                               secondTexts: FrozenTensor(second), secondTarget: 2, secondTopK: 2)
        XCTAssertEqual(top2, [true, false])
        let (counts, _) = ProgressiveFilter.counts(imageFeatures: f2, countTexts: FrozenTensor(second), values: [10, 20, 30, 40],
                                                   logitScale: 100, aggregation: .argmax)
        XCTAssertEqual(counts, [20, 20])
        let (soft, _) = ProgressiveFilter.counts(imageFeatures: features([[0.5, 0.5, 0, 0]]), countTexts: FrozenTensor(second),
                                                 values: [10, 20, 30, 40], logitScale: 100, aggregation: .expectation)
        XCTAssertEqual(soft[0], 15, accuracy: 1e-6, "two equal best prompts share the weight")
    }

    func testGridBoxesFollowTheOfficialCut() {
        let boxes = PatchGrid.boxes(width: 100, height: 50, grid: 3)
        XCTAssertEqual(boxes.count, 9)
        XCTAssertEqual(boxes[0], PixelBox(left: 0, top: 0, right: 33, bottom: 16))
        XCTAssertEqual(boxes[5], PixelBox(left: 66, top: 16, right: 99, bottom: 32))
    }

    /// The image count is the sum over kept patches; patches not kept count 0 (no fall-through to all patches).
    func testUnselectedPatchesCountZero() throws {
        let (base, counter) = try CountingParityTests.models()
        let crowd = try CrowdCounter(base: base, counter: counter, tokenizer: try CLIPTokenizer.standard())
        let result = try crowd.count(imageAt: Fixtures.path("counting/scene-0.png"))
        XCTAssertTrue(result.patches.contains { !$0.selected })
        XCTAssertEqual(result.count, result.patches.filter(\.selected).map(\.count).reduce(0, +))
        for p in result.patches where !p.selected { XCTAssertEqual(p.count, 0) }
    }

    func testInvalidConfigurationsAreExplained() {
        var cfg = CountingConfiguration()
        cfg.crowdTarget = "people"
        XCTAssertThrowsError(try cfg.validate()) {
            guard case let .invalidConfiguration(setting, reason)? = $0 as? CountingError else { return XCTFail("\($0)") }
            XCTAssertEqual(setting, "crowdTarget")
            XCTAssertEqual(reason, "\"people\" is not among the crowd classes")
        }
        cfg = CountingConfiguration(); cfg.grid = 0
        XCTAssertThrowsError(try cfg.validate()) {
            guard case let .invalidConfiguration(setting, reason)? = $0 as? CountingError else { return XCTFail("\($0)") }
            XCTAssertEqual(setting, "grid")
            XCTAssertEqual("\($0)", "invalid counting configuration: grid \(reason)")
        }
    }
}
