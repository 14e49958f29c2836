import Foundation
import XCTest
@testable import CrowdCLIPCore

/// Bad input: every failure is an `ImageError` naming the file and the cause; nothing
/// crashes or exits, including under many truncations and byte flips.
final class ImageErrorTests: XCTestCase {
    private func expectError(_ data: [UInt8], name: String, maxPixels: Int = ImageIO.maxPixels,
                             file: StaticString = #filePath, line: UInt = #line,
                             _ check: (ImageError) -> Bool) {
        do {
            _ = try ImageIO.decode(data: Data(data), name: name, maxPixels: maxPixels)
            XCTFail("\(name): decoded without error", file: file, line: line)
        } catch let error as ImageError {
            XCTAssertTrue(check(error), "\(name): unexpected error \(error)", file: file, line: line)
            XCTAssertTrue(error.description.hasPrefix(name), "message must name the file: \(error)", file: file, line: line)
        } catch {
            XCTFail("\(name): not an ImageError: \(error)", file: file, line: line)
        }
    }

    /// Big-endian CRC-32 of a PNG chunk's type and data, for building valid-looking chunks.
    private func fixCRC(_ bytes: inout [UInt8], chunkAt offset: Int) {
        let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        let crc = ImageFixtures.crc32(Array(bytes[(offset + 4)..<(offset + 8 + length)]))
        let at = offset + 8 + length
        for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * i)) }
    }

    func testMissingFileAndDirectory() {
        let path = ImageFixtures.path("does-not-exist.jpg")
        XCTAssertThrowsError(try ImageIO.decode(path: path)) { error in
            guard case ImageError.cannotRead(let file, _)? = error as? ImageError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, path)
            XCTAssertTrue("\(error)".contains("does-not-exist.jpg"))
        }
        XCTAssertThrowsError(try ImageIO.decode(path: Fixtures.path("images"))) { error in
            XCTAssertTrue("\(error)".contains("directory"), "\(error)")
        }
    }

    func testEmptyAndWrongMagic() {
        expectError([], name: "empty.jpg") { if case .empty = $0 { return true }; return false }
        expectError(Array("GIF89a not supported".utf8), name: "anim.gif") {
            if case .unknownFormat = $0 { return true }; return false
        }
        expectError(Array("hello, this is text".utf8), name: "notes.png") {
            if case .unknownFormat = $0 { return true }; return false
        }
        expectError([0xFF, 0xD8], name: "two-bytes.jpg") { if case .truncated = $0 { return true }; return false }
        expectError([0x89, 0x50, 0x4E], name: "three-bytes.png") { if case .truncated = $0 { return true }; return false }
    }

    func testTruncatedFiles() throws {
        for name in ["rgb_baseline.jpg", "rgb_progressive.jpg", "grey.jpg", "rgb8.png", "rgb8_interlaced.png", "grey16.png"] {
            let bytes = try ImageFixtures.bytes(name)
            for keep in [bytes.count / 2, bytes.count * 3 / 4, 20] {
                expectError(Array(bytes.prefix(keep)), name: "\(name)[..\(keep)]") {
                    switch $0 {
                    case .truncated: return true
                    case .corrupt: return keep <= 20 // a cut header may read as a bad marker
                    default: return false
                    }
                }
            }
        }
    }

    func testBadPNGCRC() throws {
        var header = try ImageFixtures.bytes("rgb8.png")
        header[29] ^= 0xFF // IHDR's CRC (8 signature + 8 chunk head + 13 data)
        expectError(header, name: "bad-ihdr-crc.png") { $0.description.lowercased().contains("crc") }

        var body = try ImageFixtures.bytes("rgb8.png")
        body[body.count - 30] ^= 0x01 // inside IDAT: its CRC no longer matches
        expectError(body, name: "bad-idat-crc.png") {
            if case .corrupt = $0 { return true }; return false
        }
    }

    func testAbsurdDimensionsRefusedBeforeAllocating() throws {
        var png = try ImageFixtures.bytes("rgb8.png")
        for (i, v) in [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0].enumerated() { png[16 + i] = UInt8(v) } // 100000 x 100000
        fixCRC(&png, chunkAt: 8)
        expectError(png, name: "huge.png") {
            if case .tooLarge = $0 { return $0.description.contains("100000x100000") }; return false
        }

        var jpeg = try ImageFixtures.bytes("rgb_baseline.jpg")
        let sof = try XCTUnwrap((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2) })
        for i in 0..<4 { jpeg[sof + 5 + i] = [0xEA, 0x60, 0xEA, 0x60][i] } // 60000 x 60000
        expectError(jpeg, name: "huge.jpg") {
            if case .tooLarge = $0 { return $0.description.contains("60000x60000") }; return false
        }

        // The limit is a parameter; a fixture over a tiny limit is refused too.
        expectError(try ImageFixtures.bytes("grey.jpg"), name: "grey.jpg", maxPixels: 100) {
            if case .tooLarge = $0 { return true }; return false
        }
        expectError(try ImageFixtures.bytes("palette_trns.png"), name: "palette_trns.png", maxPixels: 100) {
            if case .tooLarge = $0 { return true }; return false
        }
    }

    func testZeroDimensionPNG() throws {
        var png = try ImageFixtures.bytes("rgb8.png")
        for i in 0..<4 { png[16 + i] = 0 }
        fixCRC(&png, chunkAt: 8)
        expectError(png, name: "zero-width.png") { _ in true }
    }

    /// Every truncation length (on a stride) and thousands of random byte flips of several
    /// fixtures: each decode either succeeds with a consistent image or throws an ImageError.
    func testTruncationsAndByteFlipsNeverCrash() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var decoded = 0, failed = 0
        let names = ["rgb_baseline.jpg", "rgb_progressive.jpg", "cmyk.jpg", "grey_progressive.jpg",
                     "rgb8.png", "palette2_interlaced.png", "grey16.png", "rgba16.png"]
        for name in names {
            let original = try ImageFixtures.bytes(name)
            var variants: [[UInt8]] = []
            let stride = max(1, original.count / 150)
            for keep in Swift.stride(from: 0, to: original.count, by: stride) { variants.append(Array(original.prefix(keep))) }
            for _ in 0..<300 {
                var bytes = original
                for _ in 0...(next() % 4) {
                    let at = next() % bytes.count
                    bytes[at] = next() % 3 == 0 ? UInt8(next() & 0xFF) : bytes[at] ^ UInt8(1 << (next() % 8))
                }
                variants.append(bytes)
            }
            for (i, bytes) in variants.enumerated() {
                do {
                    let image = try ImageIO.decode(data: Data(bytes), name: "\(name)#\(i)")
                    XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                    decoded += 1
                } catch let error as ImageError {
                    XCTAssertTrue(error.description.hasPrefix("\(name)#\(i)"), "\(error)")
                    failed += 1
                } catch {
                    XCTFail("\(name)#\(i): not an ImageError: \(error)")
                }
            }
        }
        print("fuzz: \(decoded) variants decoded, \(failed) refused with ImageError")
        XCTAssertGreaterThan(failed, 1000)
    }
}
