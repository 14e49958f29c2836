import Foundation
import XCTest
@testable import CrowdCLIPCore

/// Resize, crop and flip against Pillow's results on the decoded fixtures.
final class ImageResampleTests: XCTestCase {
    func testResizeMatchesPillowPixelForPixel() throws {
        let cases = try ImageFixtures.cases("resize_cases.txt")
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        var worst = 0
        for c in cases {
            let source = try ImageFixtures.decoded(c[1])
            let filter = try XCTUnwrap(ResampleFilter(rawValue: c[2]))
            let (w, h) = (Int(c[3])!, Int(c[4])!)
            let out: RGBImage
            if c[5] == "-" {
                out = source.resized(width: w, height: h, filter: filter)
            } else {
                let b = c[5...8].map { Float($0)! }
                out = source.resized(width: w, height: h, filter: filter, box: (b[0], b[1], b[2], b[3]))
            }
            XCTAssertEqual(out.width, w)
            XCTAssertEqual(out.height, h)
            let ref = try ImageFixtures.bytes("resize_\(c[0]).rgb")
            let diff = ImageFixtures.difference(out.pixels, ref)
            worst = max(worst, diff.max)
            XCTAssertEqual(diff.count, 0, "resize case \(c): \(diff.count) bytes differ, max \(diff.max)")
        }
        print("resize parity: max byte difference to Pillow \(worst) over \(cases.count) cases")
    }

    func testResizeToSameSizeIsIdentity() throws {
        let image = try ImageFixtures.decoded("rgb8.png")
        XCTAssertEqual(image.resized(width: image.width, height: image.height, filter: .bicubic), image)
    }

    /// Degenerate sizes never trap: an empty source resamples to black (as Pillow does), an
    /// empty target gives an empty image, and both pipelines still give [3, 224, 224].
    func testDegenerateSizes() throws {
        let empty = RGBImage(width: 0, height: 0)
        for filter in ResampleFilter.allCases {
            let out = empty.resized(width: 5, height: 4, filter: filter)
            XCTAssertEqual(out.width, 5)
            XCTAssertEqual(out.pixels, [UInt8](repeating: 0, count: 5 * 4 * 3))
            XCTAssertEqual(RGBImage(width: 3, height: 0).resized(width: 2, height: 7, filter: filter).pixels,
                           [UInt8](repeating: 0, count: 2 * 7 * 3))
        }
        let image = try ImageFixtures.decoded("grey.jpg")
        XCTAssertEqual(image.resized(width: 0, height: 10, filter: .bilinear).pixels.count, 0)
        for p in Preprocessing.allCases {
            XCTAssertEqual(p.tensor(from: empty).shape, [3, 224, 224])
            XCTAssertEqual(p.tensor(from: RGBImage(width: 1, height: 1, pixels: [9, 8, 7])).shape, [3, 224, 224])
        }
    }

    func testCropMatchesPillowIncludingZeroFill() throws {
        let cases = try ImageFixtures.cases("crop_cases.txt")
        XCTAssertEqual(cases.count, 4)
        for c in cases {
            let source = try ImageFixtures.decoded(c[1])
            let v = c[2...5].map { Int($0)! }
            let box = PixelBox(left: v[0], top: v[1], right: v[2], bottom: v[3])
            let out = source.cropped(to: box)
            XCTAssertEqual(out.width, box.width)
            XCTAssertEqual(out.height, box.height)
            XCTAssertEqual(out.pixels, try ImageFixtures.bytes("crop_\(c[0]).rgb"), "crop \(box) of \(c[1])")
        }
        // A box entirely outside is all zeros; an inverted box is empty.
        let image = try ImageFixtures.decoded("grey.jpg")
        let outside = image.cropped(to: PixelBox(left: 100, top: 100, right: 105, bottom: 103))
        XCTAssertEqual(outside.pixels, [UInt8](repeating: 0, count: 5 * 3 * 3))
        XCTAssertEqual(image.cropped(to: PixelBox(left: 5, top: 5, right: 2, bottom: 9)).pixels.count, 0)
    }

    func testFlipMatchesPillow() throws {
        let image = try ImageFixtures.decoded("rgb_baseline.jpg")
        let flipped = image.flippedHorizontally()
        XCTAssertEqual(flipped.pixels, try ImageFixtures.bytes("flip_rgb_baseline.rgb"))
        XCTAssertEqual(flipped.flippedHorizontally(), image)
    }

    func testFixedPointCoefficientsSumToOne() {
        // Pillow's normalisation makes each row of weights sum to 1.0 before rounding to
        // 22-bit fixed point, so sums stay within a few units of 2^22.
        for filter in ResampleFilter.allCases {
            for (inSize, outSize) in [(97, 40), (61, 131), (257, 224), (5, 3)] {
                let c = PillowResampler.coefficients(inSize: inSize, in0: 0, in1: Float(inSize),
                                                     outSize: outSize, filter: filter)
                for i in 0..<outSize {
                    let row = c.weights[(i * c.ksize)..<(i * c.ksize + c.bounds[2 * i + 1])]
                    let sum = row.reduce(0) { $0 + Int($1) }
                    XCTAssertLessThanOrEqual(abs(sum - (1 << 22)), c.ksize, "\(filter) \(inSize)->\(outSize) row \(i)")
                    XCTAssertGreaterThanOrEqual(c.bounds[2 * i], 0)
                    XCTAssertLessThanOrEqual(c.bounds[2 * i] + c.bounds[2 * i + 1], inSize)
                }
            }
        }
    }
}
