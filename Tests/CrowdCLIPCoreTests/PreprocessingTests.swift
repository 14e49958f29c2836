import Foundation
import XCTest
@testable import CrowdCLIPCore

/// The two pipelines against torchvision on PIL images (fixtures from Tools/gen_20_images.py).
final class PreprocessingTests: XCTestCase {
    /// Reads a little-endian float32 file.
    private func floats(_ name: String) throws -> [Float] {
        let data = try Fixtures.data("images/\(name)")
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    private func pipeline(_ name: String) -> Preprocessing {
        name == "clip" ? .clip : .crowdclip
    }

    /// ToTensor + Normalize equals torch's float32 results bit for bit, for every byte value
    /// in every channel (the ramp image holds all 256 values per channel).
    func testNormalizeMatchesTorchExactly() throws {
        let ramp = try ImageFixtures.decoded("normalize_ramp.png")
        for p in Preprocessing.allCases {
            let t = Preprocessing.normalizedTensor(ramp, mean: p.mean, std: p.std)
            XCTAssertEqual(t.shape, [3, 16, 16])
            let ref = try floats("normalize_\(p.rawValue).f32")
            XCTAssertEqual(ref.count, 3 * 16 * 16)
            var maxDiff: Float = 0
            for (a, b) in zip(t.array, ref) { maxDiff = max(maxDiff, abs(a - b)) }
            print("normalize \(p.rawValue): max |swift - torch| = \(maxDiff)")
            XCTAssertEqual(t.array, ref, "\(p.rawValue) normalisation differs from torch (max \(maxDiff))")
        }
    }

    /// Resize + centre crop equal torchvision's PIL results byte for byte, so the float
    /// tensors are equal: the measured max difference to torchvision's tensor is 0.
    func testPipelinesMatchTorchvision() throws {
        let cases = try ImageFixtures.cases("pipeline_cases.txt")
        XCTAssertEqual(cases.count, 4)
        var worstFloat: Float = 0
        for c in cases {
            let p = pipeline(c[1])
            let image = try ImageFixtures.decoded(c[2])
            let cropped = p.prepared(image)
            XCTAssertEqual(cropped.width, 224)
            XCTAssertEqual(cropped.height, 224)
            let ref = try ImageFixtures.bytes("pipeline_\(c[0]).rgb")
            let diff = ImageFixtures.difference(cropped.pixels, ref)
            XCTAssertEqual(diff.count, 0, "\(c[1]) on \(c[2]): \(diff.count) bytes differ, max \(diff.max)")

            // torchvision's tensor is ToTensor+Normalize of `ref` (asserted in the generator); torch's value for
            // each byte comes from its own output on the ramp, so the expectation uses none of our code.
            let table = try torchNormalizeTable(p)
            let tensor = p.tensor(from: image)
            XCTAssertEqual(tensor.shape, [3, 224, 224])
            var maxDiff: Float = 0
            for c in 0..<3 {
                for i in 0..<(224 * 224) {
                    maxDiff = max(maxDiff, abs(tensor[flat: c * 224 * 224 + i] - table[c][Int(ref[i * 3 + c])]))
                }
            }
            worstFloat = max(worstFloat, maxDiff)
            XCTAssertLessThanOrEqual(maxDiff, 1.0 / 255.0, "\(c[1]) on \(c[2])")
        }
        print("pipeline parity: max |swift - torchvision| per element = \(worstFloat) over \(cases.count) cases")
        XCTAssertEqual(worstFloat, 0)
    }

    /// torch's normalised float for every (channel, byte), read off its output on the ramp image.
    private func torchNormalizeTable(_ p: Preprocessing) throws -> [[Float]] {
        let ramp = try ImageFixtures.decoded("normalize_ramp.png"), ref = try floats("normalize_\(p.rawValue).f32")
        var table = [[Float?]](repeating: [Float?](repeating: nil, count: 256), count: 3)
        for c in 0..<3 { for i in 0..<256 { table[c][Int(ramp.pixels[i * 3 + c])] = ref[c * 256 + i] } }
        XCTAssertFalse(table.joined().contains(nil), "the ramp covers every byte value in every channel")
        return table.map { $0.map { $0 ?? .nan } }
    }

    func testBatchStacksContiguousTensors() throws {
        let images = try ["rgb_progressive.jpg", "grey.jpg", "large.jpg"].map(ImageFixtures.decoded)
        for p in Preprocessing.allCases {
            let batch = p.batch(images)
            XCTAssertEqual(batch.shape, [3, 3, 224, 224])
            for (i, image) in images.enumerated() {
                XCTAssertEqual(batch.row(i).array, p.tensor(from: image).array, "\(p) image \(i)")
            }
        }
        XCTAssertEqual(Preprocessing.clip.batch([]).shape, [0, 3, 224, 224])
    }

    func testTorchvisionSizeAndCropRules() {
        // Resize(224): shorter side 224, longer int(224 * long / short).
        XCTAssertTrue(Preprocessing.shorterSideSize(width: 332, height: 257, target: 224) == (289, 224))
        XCTAssertTrue(Preprocessing.shorterSideSize(width: 40, height: 30, target: 224) == (298, 224))
        XCTAssertTrue(Preprocessing.shorterSideSize(width: 30, height: 97, target: 224) == (224, 724))
        XCTAssertTrue(Preprocessing.shorterSideSize(width: 500, height: 500, target: 224) == (224, 224))
        // CenterCrop offsets use Python's round-half-to-even: (289 - 224) / 2 = 32.5 -> 32,
        // (291 - 224) / 2 = 33.5 -> 34.
        XCTAssertEqual(Preprocessing.centerCropBox(imageWidth: 289, imageHeight: 224, width: 224, height: 224),
                       PixelBox(left: 32, top: 0, right: 256, bottom: 224))
        XCTAssertEqual(Preprocessing.centerCropBox(imageWidth: 291, imageHeight: 256, width: 224, height: 224),
                       PixelBox(left: 34, top: 16, right: 258, bottom: 240))
        // A crop larger than the image pads like torchvision: left (224 - 100) // 2 = 62.
        XCTAssertEqual(Preprocessing.centerCropBox(imageWidth: 100, imageHeight: 224, width: 224, height: 224),
                       PixelBox(left: -62, top: 0, right: 162, bottom: 224))
    }

    func testMeanAndStdConstants() {
        XCTAssertEqual(Preprocessing.crowdclip.mean, [0.485, 0.456, 0.406])
        XCTAssertEqual(Preprocessing.crowdclip.std, [0.229, 0.224, 0.225])
        XCTAssertEqual(Preprocessing.clip.mean, [0.48145466, 0.4578275, 0.40821073])  // OpenAI CLIP's, as open_clip
        XCTAssertEqual(Preprocessing.clip.std, [0.26862954, 0.26130258, 0.27577711])
    }
}
