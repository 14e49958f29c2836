import Foundation
import XCTest
@testable import CrowdCLIPCore

#if canImport(CryptoKit)
import CryptoKit
#endif

/// Decoding, resampling and both preprocessing pipelines against Pillow + torchvision (Tools/gen_20_images.py).
final class ImageTests: XCTestCase {
    struct Expected: Decodable {
        struct Resize: Decodable { let source: String; let width: Int; let height: Int; let filter: String; let sha256: String }
        struct Pipeline: Decodable { let source: String; let pipeline: String; let prepared: String; let table: [[Float]] }
        struct MiniCrowd: Decodable { let decode: String; let crowdclip_centre_patch: String }
        let decode: [String: String]
        let resize: [Resize]
        let pipelines: [Pipeline]
        let mini_crowd: [String: MiniCrowd]
    }

    static let expected: Expected = try! JSONDecoder().decode(Expected.self, from: Fixtures.data("images/expected.json"))

    func testDecodingMatchesPillowForEveryEncoding() throws {
        XCTAssertGreaterThanOrEqual(Self.expected.decode.count, 14)
        for (name, hash) in Self.expected.decode.sorted(by: { $0.key < $1.key }) {
            let image = try ImageIO.decode(path: Fixtures.path("images/decode/\(name)"))
            XCTAssertEqual(SHA256Hex.of(image.pixels), hash, "\(name) decodes differently from Pillow")
        }
    }

    func testResizeMatchesPillow() throws {
        let source = try ImageIO.decode(path: Fixtures.path("images/decode/baseline.jpg"))
        for r in Self.expected.resize {
            let out = source.resized(width: r.width, height: r.height, filter: r.filter == "bilinear" ? .bilinear : .bicubic)
            XCTAssertEqual(SHA256Hex.of(out.pixels), r.sha256, "\(r.width)×\(r.height) \(r.filter)")
        }
    }

    /// The float tensors equal torchvision's: the 8-bit image before ToTensor is identical, and so is the
    /// per-value ToTensor+Normalize table. The measured maximum difference is reported.
    func testPipelinesMatchTorchvision() throws {
        var worst: Float = 0
        for p in Self.expected.pipelines {
            let pipeline = Preprocessing(rawValue: p.pipeline)!
            let image = try ImageIO.decode(path: Fixtures.path("images/\(p.source)"))
            let reference = try ImageIO.decode(path: Fixtures.path("images/\(p.prepared)"))
            let prepared = pipeline.prepared(image)
            XCTAssertTrue(prepared == reference, "\(p.pipeline) \(p.source): 8-bit image differs in \(zip(prepared.pixels, reference.pixels).filter { $0 != $1 }.count) values")
            let tensor = pipeline.tensor(from: image)
            XCTAssertEqual(tensor.shape, [3, 224, 224])
            let plane = 224 * 224
            for c in 0..<3 {
                for i in 0..<plane {
                    let expected = p.table[c][Int(reference.pixels[i * 3 + c])]
                    worst = max(worst, abs(tensor[flat: c * plane + i] - expected))
                }
            }
        }
        print("preprocessing: max |ours − torchvision| = \(worst)")
        XCTAssertLessThanOrEqual(worst, 1.0 / 255)
        XCTAssertEqual(worst, 0, "expected bit-identical tensors")
    }

    func testBatchStacksContiguously() throws {
        let image = try ImageIO.decode(path: Fixtures.path("images/scene-97x61.png"))
        let batch = Preprocessing.crowdclip.batch([image, image.flippedHorizontally()])
        XCTAssertEqual(batch.shape, [2, 3, 224, 224])
        let single = Preprocessing.crowdclip.tensor(from: image)
        XCTAssertEqual(Array(batch.array.prefix(single.count)), single.array)
    }

    func testCropFollowsPillowBoxSemantics() throws {
        let image = try ImageIO.decode(path: Fixtures.path("images/scene-97x61.png"))
        let inside = image.cropped(to: PixelBox(left: 10, top: 5, right: 30, bottom: 25))
        XCTAssertEqual(inside.width, 20)
        XCTAssertEqual(Array(inside.pixels[0..<3]), Array(image.pixels[(5 * 97 + 10) * 3..<(5 * 97 + 10) * 3 + 3]))
        let outside = image.cropped(to: PixelBox(left: 90, top: 55, right: 100, bottom: 65))
        XCTAssertEqual(Array(outside.pixels.suffix(3)), [0, 0, 0], "outside the image is black")
    }

    func testPNGRoundTrip() throws {
        let image = try ImageIO.decode(path: Fixtures.path("images/scene-97x61.png"))
        let back = try ImageIO.decode(data: try ImageIO.encodePNG(image), name: "memory")
        XCTAssertTrue(back == image)
    }

    /// Real photos from ../shared (skipped when absent): Pillow-identical decoding and patch preprocessing.
    func testMiniCrowdPhotosMatchPillow() throws {
        guard let root = Fixtures.miniCrowd else { throw XCTSkip("../shared/data/mini-crowd not present") }
        for (key, hashes) in Self.expected.mini_crowd {
            let parts = key.split(separator: "/")
            let path = root.appendingPathComponent(parts.joined(separator: "/")).path
            let image = try ImageIO.decode(path: path)
            XCTAssertEqual(SHA256Hex.of(image.pixels), hashes.decode, key)
            let (w, h) = (image.width, image.height)
            let patch = image.cropped(to: PixelBox(left: w / 3, top: h / 3, right: 2 * w / 3, bottom: 2 * h / 3))
            XCTAssertEqual(SHA256Hex.of(Preprocessing.crowdclip.prepared(patch).pixels), hashes.crowdclip_centre_patch, key)
        }
    }

    // MARK: bad files

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "crowdclip-img-\(getpid())-\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func assertFails(_ path: String, _ needle: String, line: UInt = #line) {
        XCTAssertThrowsError(try ImageIO.decode(path: path), line: line) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains(path) && m.lowercased().contains(needle.lowercased()), "message: \(m)", line: line)
        }
    }

    func testBadFilesGiveClearErrors() throws {
        assertFails("/nonexistent/photo.jpg", "no such file")
        assertFails(try write("empty.jpg", []), "empty")
        assertFails(try write("text.jpg", Array("hello".utf8)), "not a JPEG or PNG")
        let jpeg = [UInt8](try Fixtures.data("images/decode/baseline.jpg"))
        assertFails(try write("trunc.jpg", Array(jpeg.prefix(jpeg.count / 2))), "JPEG")
        var png = [UInt8](try Fixtures.data("images/decode/rgb.png"))
        assertFails(try write("trunc.png", Array(png.prefix(png.count / 2))), "PNG")
        png[30] ^= 0xFF  // inside IHDR: its CRC no longer matches
        assertFails(try write("crc.png", png), "PNG")
    }

    func testAbsurdDimensionsAreRefusedBeforeAllocating() throws {
        // A JPEG header claiming 100000×100000 and a PNG IHDR claiming the same.
        var jpeg = [UInt8](try Fixtures.data("images/decode/baseline.jpg"))
        if let sof = (0..<(jpeg.count - 9)).first(where: { jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2) }) {
            jpeg[sof + 5] = 0x86; jpeg[sof + 6] = 0xA0; jpeg[sof + 7] = 0x86; jpeg[sof + 8] = 0xA0
        }
        assertFails(try write("huge.jpg", jpeg), "above the limit")
        let png = PNGFixture.header(width: 100_000, height: 100_000)
        assertFails(try write("huge.png", png), "above the limit")
    }

    func testDamagedFilesNeverCrash() throws {
        var rng = SplitMix(seed: 7)
        for name in ["baseline.jpg", "progressive.jpg", "rgb.png", "palette-trns.png"] {
            let original = [UInt8](try Fixtures.data("images/decode/\(name)"))
            for trial in 0..<60 {
                var bytes = original
                if trial % 3 == 0 {
                    bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
                } else {
                    for _ in 0..<3 { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                }
                _ = try? ImageIO.decode(data: Data(bytes), name: "\(name)#\(trial)")
            }
        }
    }
}

/// A PNG that is only a signature and an IHDR chunk (with a correct CRC) for the given size.
enum PNGFixture {
    static func header(width: UInt32, height: UInt32) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        let body: [UInt8] = Array("IHDR".utf8) + be(width) + be(height) + [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be(13) + body + be(CRC32.of(body))
    }
}

enum CRC32 {
    static func of(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }
}
