import Foundation
import XCTest
@testable import CrowdCLIPCore

/// Decoding parity with Pillow's `Image.open(f).convert("RGB")` on every fixture layout:
/// baseline/progressive/4:4:4/4:2:2/grey/CMYK JPEG; PNG 1/2/4/8/16-bit grey, grey+alpha
/// (8/16), RGB(A) 8/16, palette 2/4/8-bit with tRNS, Adam7 interlaced.
final class ImageDecodeTests: XCTestCase {
    func testDecodeMatchesPillowExactly() throws {
        let cases = try ImageFixtures.cases("decode_cases.txt")
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        for c in cases {
            let name = c[0]
            let image = try ImageFixtures.decoded(name)
            XCTAssertEqual(image.width, Int(c[1]), name)
            XCTAssertEqual(image.height, Int(c[2]), name)
            XCTAssertEqual(image.pixels.count, image.width * image.height * 3, name)
            XCTAssertEqual(String(format: "%08x", ImageFixtures.crc32(image.pixels)), c[4], "\(name) (Pillow mode \(c[3]))")
            let refName = name.split(separator: ".").dropLast().joined(separator: ".") + ".rgb"
            if FileManager.default.fileExists(atPath: ImageFixtures.path(refName)) {
                let ref = try ImageFixtures.bytes(refName)
                let diff = ImageFixtures.difference(image.pixels, ref)
                XCTAssertEqual(diff.count, 0, "\(name): \(diff.count) bytes differ from Pillow, max \(diff.max)")
            }
        }
    }

    /// Real photos from ../shared (skipped when absent): Pillow-identical decoding, and the
    /// crowdclip-prepared centre patch identical to torchvision's.
    func testMiniCrowdPhotosMatchPillow() throws {
        guard let root = Fixtures.miniCrowd else { throw XCTSkip("../shared/data/mini-crowd not present") }
        let hashes = try JSONDecoder().decode([String: [String: String]].self, from: Fixtures.data("images/mini_crowd.json"))
        XCTAssertGreaterThan(hashes.count, 0)
        for (key, expected) in hashes.sorted(by: { $0.key < $1.key }) {
            let image = try ImageIO.decode(path: root.appendingPathComponent(key).path)
            XCTAssertEqual(SHA256Hex.of(image.pixels), expected["decode"], "\(key) decodes differently from Pillow")
            let (w, h) = (image.width, image.height)
            let patch = image.cropped(to: PixelBox(left: w / 3, top: h / 3, right: 2 * w / 3, bottom: 2 * h / 3))
            XCTAssertEqual(SHA256Hex.of(Preprocessing.crowdclip.prepared(patch).pixels), expected["crowdclip_centre_patch"], key)
        }
    }

    func testDecodeFromMemoryEqualsDecodeFromPath() throws {
        for name in ["rgb_progressive.jpg", "palette_trns.png"] {
            let fromPath = try ImageFixtures.decoded(name)
            let fromData = try ImageIO.decode(data: try Fixtures.data("images/\(name)"), name: name)
            XCTAssertEqual(fromPath, fromData)
        }
    }

    func testPNGEncodeRoundTripsAndWrites() throws {
        let image = try ImageFixtures.decoded("rgb_baseline.jpg")
        let data = try ImageIO.encodePNG(image)
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(try ImageIO.decode(data: data, name: "encoded"), image)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crowd-images-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out.png").path
        try ImageIO.writePNG(image, to: path)
        XCTAssertEqual(try ImageIO.decode(path: path), image)

        XCTAssertThrowsError(try ImageIO.writePNG(image, to: "/nonexistent-dir/x.png")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-dir/x.png"), "\(error)")
        }
        XCTAssertThrowsError(try ImageIO.encodePNG(RGBImage(width: 0, height: 0)))
    }
}

/// Shared helpers for the image and preprocessing tests (fixtures from Tools/gen_20_images.py).
enum ImageFixtures {
    static func path(_ name: String) -> String { Fixtures.path("images/\(name)") }

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Fixtures.data("images/\(name)")) }

    static func decoded(_ name: String) throws -> RGBImage { try ImageIO.decode(path: path(name)) }

    /// Non-comment lines of a case list, split on spaces.
    static func cases(_ name: String) throws -> [[String]] {
        let text = try String(contentsOfFile: path(name), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: " ").map(String.init) }
    }

    /// Largest absolute byte difference and how many bytes differ.
    static func difference(_ a: [UInt8], _ b: [UInt8]) -> (max: Int, count: Int) {
        var maxDiff = 0, count = 0
        for (x, y) in zip(a, b) where x != y {
            maxDiff = max(maxDiff, abs(Int(x) - Int(y)))
            count += 1
        }
        return (maxDiff, count)
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var table = [UInt32](repeating: 0, count: 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[i] = c
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
