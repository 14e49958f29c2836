import XCTest
@testable import CrowdCLIPCore

/// Encoders against open_clip + PyTorch on tiny random models (Tools/gen_11_models.py).
final class EncoderParityTests: XCTestCase {
    struct Reference: Decodable {
        let head_width: Int
        let image_features: [[Float]]
        let tokens: [[Int32]]
        let prompts: [String]?
        let text_features: [[Float]]
        let logit_scale: Float
    }

    static func reference(_ name: String) throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: try Fixtures.data("models/\(name).json"))
    }

    /// The same inputs as `synthetic_images` in Tools/tiny_clip.py, computed in Double and rounded to Float.
    static func syntheticImages(_ n: Int, size: Int = 224) -> Tensor {
        let t = Tensor(zeros: [n, 3, size, size])
        var i = 0
        for b in 0..<n { for c in 0..<3 { for h in 0..<size { for w in 0..<size {
            let x = 1.5 * sin(0.05 * Double(b + 1) * Double(h) + 0.031 * Double(c + 1) * Double(w) + 0.7 * Double(b))
                + 0.2 * cos(0.013 * Double(h) * Double(c + 1))
            t[flat: i] = Float(x); i += 1
        } } } }
        return t
    }

    /// The largest absolute difference between `a` and the reference rows `b`. The shapes must agree and not be
    /// empty (else the test fails and the difference is infinite), so a short output cannot pass by comparing less.
    static func maxDifference(_ a: Tensor, _ b: [[Float]], file: StaticString = #filePath, line: UInt = #line) -> Float {
        let columns = b.first?.count ?? 0
        guard columns > 0, b.allSatisfy({ $0.count == columns }), a.shape == [b.count, columns] else {
            XCTFail("shape \(a.shape) against a reference of \(b.count) rows of \(b.map(\.count)) values", file: file, line: line)
            return .infinity
        }
        var worst: Float = 0
        for (i, row) in b.enumerated() { for (j, v) in row.enumerated() { worst = max(worst, abs(a[flat: i * row.count + j] - v)) } }
        return worst
    }

    /// About 10× the worst achieved error (7.9e-7, tiny-p32 GELU image features).
    static let featureTolerance: Float = 1e-5

    func check(_ name: String) throws {
        let ref = try Self.reference(name)
        let model = try CLIPModel(path: Fixtures.path("models/\(name).safetensors"), headWidth: ref.head_width)
        let images = try model.encodeImages(Self.syntheticImages(ref.image_features.count))
        let di = Self.maxDifference(images, ref.image_features)
        XCTAssertLessThanOrEqual(di, Self.featureTolerance, "\(name) image features differ by \(di)")
        let texts = try model.encodeTexts(ref.tokens)
        let dt = Self.maxDifference(texts, ref.text_features)
        XCTAssertLessThanOrEqual(dt, Self.featureTolerance, "\(name) text features differ by \(dt)")
        XCTAssertEqual(model.logitScale, ref.logit_scale, accuracy: 1e-3)
        print("parity \(name): image \(di), text \(dt)")
    }

    func testTinyPatch16FullVocabulary() throws { try check("tiny-p16") }
    func testTinyPatch32() throws { try check("tiny-p32") }
    func testTinyPatch14() throws { try check("tiny-p14") }

    /// A Hugging Face `hidden_act: gelu` hint switches QuickGELU to exact GELU (reference: open_clip with nn.GELU).
    func testGELUHintIsRespected() throws {
        struct GELUReference: Decodable {
            let head_width: Int; let image_features: [[Float]]; let tokens: [[Int32]]; let text_features: [[Float]]
        }
        let ref = try JSONDecoder().decode(GELUReference.self, from: try Fixtures.data("models/tiny-p32-gelu.json"))
        var store = try WeightLoader.load(path: Fixtures.path("models/tiny-p32.safetensors"))
        store.hints.activation = "gelu"
        let model = try CLIPModel(weights: store, headWidth: ref.head_width)
        XCTAssertEqual(model.config.activation, .gelu)
        let images = try model.encodeImages(Self.syntheticImages(2))
        let di = Self.maxDifference(images, ref.image_features)
        let dt = Self.maxDifference(try model.encodeTexts(ref.tokens), ref.text_features)
        XCTAssertLessThanOrEqual(di, Self.featureTolerance)
        XCTAssertLessThanOrEqual(dt, Self.featureTolerance)
        print("parity tiny-p32 GELU: image \(di), text \(dt)")
        // The activation matters for these weights: QuickGELU features are measurably different.
        let quick = try Self.reference("tiny-p32")
        XCTAssertGreaterThan(Self.maxDifference(images, quick.image_features), 1e-3)
    }

    func testConfigIsReadFromTheWeights() throws {
        let model = try CLIPModel(path: Fixtures.path("models/tiny-p14.safetensors"), headWidth: 8)
        XCTAssertEqual(model.config.vision, .init(width: 16, layers: 2, heads: 2, patchSize: 14, imageSize: 224))
        XCTAssertEqual(model.config.text, .init(width: 16, layers: 2, heads: 2, vocabSize: 64, contextLength: 77))
        XCTAssertEqual(model.config.embedDim, 8)
    }

    func testWrongInputShapeIsAnError() throws {
        let model = try CLIPModel(path: Fixtures.path("models/tiny-p32.safetensors"), headWidth: 8)
        XCTAssertThrowsError(try model.encodeImages(Tensor(zeros: [1, 3, 100, 100]))) { e in
            XCTAssertTrue("\(e)".contains("[N, 3, 224, 224]"), "\(e)")
        }
        XCTAssertThrowsError(try model.encodeTexts([[1, 2, 999]])) { e in XCTAssertTrue("\(e)".contains("vocabulary")) }
    }
}
