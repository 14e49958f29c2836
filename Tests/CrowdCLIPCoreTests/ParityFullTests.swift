import Foundation
import XCTest
@testable import CrowdCLIPCore

/// Full-size ViT-B/16 parity with open_clip (`make parity-full`; needs CROWDCLIP_PARITY_FULL=<dir> written by
/// Tools/parity_full.py, skipped otherwise: the weights are 600 MB and never committed).
final class ParityFullTests: XCTestCase {

    func testRandomViTB16MatchesOpenCLIP() throws {
        guard let dir = ProcessInfo.processInfo.environment["CROWDCLIP_PARITY_FULL"], !dir.isEmpty else {
            throw XCTSkip("set CROWDCLIP_PARITY_FULL (make parity-full) to run the full-size parity check")
        }
        let ref = try JSONDecoder().decode(EncoderParityTests.Reference.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/reference.json")))
        let model = try CLIPModel(path: dir + "/vit-b-16.safetensors", headWidth: ref.head_width)
        XCTAssertEqual(model.config.vision, .init(width: 768, layers: 12, heads: 12, patchSize: 16, imageSize: 224))
        XCTAssertEqual(model.config.text, .init(width: 512, layers: 12, heads: 8, vocabSize: 49408, contextLength: 77))
        XCTAssertEqual(model.config.embedDim, 512)

        let images = try model.encodeImages(EncoderParityTests.syntheticImages(ref.image_features.count))
        let di = EncoderParityTests.maxDifference(images, ref.image_features)
        XCTAssertLessThanOrEqual(di, 1e-4, "image features differ by \(di)")
        let texts = try model.encodeTexts(ref.tokens)
        let dt = EncoderParityTests.maxDifference(texts, ref.text_features)
        XCTAssertLessThanOrEqual(dt, 1e-4, "text features differ by \(dt)")
        let viaTokenizer = try model.encodeTexts(try XCTUnwrap(ref.prompts), tokenizer: try CLIPTokenizer.standard())
        XCTAssertLessThanOrEqual(EncoderParityTests.maxDifference(viaTokenizer, ref.text_features), 1e-4)
        let p = model.probabilities(imageFeatures: images, textFeatures: texts)
        let dp = EncoderParityTests.maxDifference(p, try XCTUnwrap(ref.probabilities))
        XCTAssertLessThanOrEqual(dp, 1e-3, "probabilities differ by \(dp)")
        XCTAssertEqual(model.logitScale, ref.logit_scale, accuracy: 1e-3)
        print("parity-full ViT-B/16: image \(di), text \(dt), probabilities \(dp)")
    }
}
