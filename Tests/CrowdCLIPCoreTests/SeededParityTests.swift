import Foundation
import XCTest
@testable import CrowdCLIPCore

/// Full-size ViT-B/16 parity with open_clip in every run, no weights committed: both sides generate the same seeded
/// weights (SeededCLIPWeights here, Tools/seeded_weights.py there) and Tools/gen_90_seeded_vitb16.py commits the
/// reference features with every tensor's checksum (Tests/Fixtures/seeded/vit-b-16.json).
final class SeededParityTests: XCTestCase {
    struct Reference: Decodable {
        struct Pixels: Decodable { let name: String; let shape: [Int]; let mean: Float; let std: Double }
        let seed: UInt64
        let head_width: Int
        let pixels: Pixels
        let checksums: [String: String]
        let prompts: [String]
        let tokens: [[Int32]]
        let image_features: [[Float]]
        let text_features: [[Float]]
        let logit_scale: Float
        let probabilities: [[Float]]
    }

    /// The generator's documented checksums (Docs/encoders.md, "Seeded weights"; Tools/gen_90 checks the same).
    static let documentedChecksums: [String: UInt64] = [
        "visual.conv1.weight": 0x7880_0A63_0E3B_1DA6,
        "visual.transformer.resblocks.11.mlp.c_proj.weight": 0xAE14_A40D_3DB7_FB5C,
        "token_embedding.weight": 0x08E0_7419_2004_206A,
        "ln_final.weight": 0x0000_FDEF_679E_E302,
        "logit_scale": 0x0000_0000_4093_5D8E,
        "input.pixels": 0x7BC3_D03C_C991_464B,
    ]

    /// About 10× the achieved error (image 1.6e-7, text 1.8e-7, probabilities 1.1e-6; Docs/encoders.md).
    static let featureTolerance: Float = 2e-6
    static let probabilityTolerance: Float = 1.5e-5

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: try Fixtures.data("seeded/vit-b-16.json"))
    }

    static func checksum(_ t: Tensor) -> UInt64 { SeededStream.checksum(UnsafeBufferPointer(t.buffer)) }

    static func pixels(_ generator: SeededCLIPWeights, _ p: Reference.Pixels) -> Tensor {
        generator.input(p.name, shape: p.shape, mean: p.mean, std: p.std)
    }

    func testGeneratorMatchesItsDocumentedChecksums() throws {
        let ref = try Self.reference()
        let generator = SeededCLIPWeights.vitB16(seed: ref.seed)
        let shapes = Dictionary(uniqueKeysWithValues: generator.shapes.map { ($0.name, $0.shape) })
        for (name, expected) in Self.documentedChecksums {
            let t = try name == ref.pixels.name ? Self.pixels(generator, ref.pixels) : generator.tensor(name, shape: XCTUnwrap(shapes[name]))
            XCTAssertEqual(Self.checksum(t), expected, "\(name): the seeded generator changed")
        }
        // The worked example of Docs/encoders.md, step by step: the spec can be checked by hand.
        XCTAssertEqual(SeededStream.fnv1a64("visual.ln_pre.weight"), 0x174B_87D7_B73B_3319)
        let stream = SeededStream(seed: 90, name: "visual.ln_pre.weight")
        XCTAssertEqual(stream.start, 0x174B_87D7_B73B_3343)
        XCTAssertEqual([0, 1, 2].map(stream.bits(at:)), [0xEFBC_9047_A6FD_39A6, 0x6750_92A4_2A70_6ED6, 0x2408_C987_C459_17A9])
        XCTAssertEqual([0, 1, 2].map(stream.unit(at:)), [7_322_768, -1_617_774, -6_027_063].map { Float($0) / 8_388_608 })
        let gains = generator.tensor("visual.ln_pre.weight", shape: [768])
        XCTAssertEqual((0..<3).map { gains[flat: $0].bitPattern }, [0x3F93_5A75, 0x3F77_72E3, 0x3F60_2464])
    }

    func testSeededViTB16MatchesOpenCLIP() throws {
        let ref = try Self.reference()
        let generator = SeededCLIPWeights.vitB16(seed: ref.seed)
        let store = generator.store()
        // Every tensor bit for bit what Python fed open_clip (the checksums it computed), the same set of names.
        XCTAssertEqual(Set(store.names + [ref.pixels.name]), Set(ref.checksums.keys))
        for name in store.names {
            XCTAssertEqual(String(format: "0x%016llx", Self.checksum(try store.tensor(name))), ref.checksums[name], name)
        }
        let pixels = Self.pixels(generator, ref.pixels)
        XCTAssertEqual(String(format: "0x%016llx", Self.checksum(pixels)), ref.checksums[ref.pixels.name])

        let model = try CLIPModel(weights: store, headWidth: ref.head_width)
        XCTAssertEqual(model.config.vision, .init(width: 768, layers: 12, heads: 12, patchSize: 16, imageSize: 224))
        XCTAssertEqual(model.config.text, .init(width: 512, layers: 12, heads: 8, vocabSize: 49408, contextLength: 77))
        XCTAssertEqual(model.config.embedDim, 512)
        XCTAssertEqual(model.logitScale, ref.logit_scale, accuracy: 1e-4)

        let images = try model.encodeImages(pixels)
        let di = EncoderParityTests.maxDifference(images, ref.image_features)
        XCTAssertLessThanOrEqual(di, Self.featureTolerance, "image features differ by \(di)")
        let texts = try model.encodeTexts(ref.tokens)
        let dt = EncoderParityTests.maxDifference(texts, ref.text_features)
        XCTAssertLessThanOrEqual(dt, Self.featureTolerance, "text features differ by \(dt)")
        let viaTokenizer = try model.encodeTexts(ref.prompts, tokenizer: try CLIPTokenizer.standard())
        XCTAssertLessThanOrEqual(EncoderParityTests.maxDifference(viaTokenizer, ref.text_features), Self.featureTolerance)
        let p = model.probabilities(imageFeatures: images, textFeatures: texts)
        let dp = EncoderParityTests.maxDifference(p, ref.probabilities)
        XCTAssertLessThanOrEqual(dp, Self.probabilityTolerance, "probabilities differ by \(dp)")
        print("parity seeded ViT-B/16: image \(di), text \(dt), probabilities \(dp)")
    }
}
