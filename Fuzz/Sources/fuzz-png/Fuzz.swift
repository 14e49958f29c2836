@testable import CrowdCLIPCore
import FuzzSupport
import Foundation

@_cdecl("fuzz_png_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv) { start, count in fuzz(start, count) }
}

/// PNG through libpng and the Pillow-mode conversion (pixel cap lowered to 4 M, as for JPEG). Every chunk's CRC
/// is recomputed first: the reader refuses a bad CRC, so without this almost every mutation would stop at the
/// first chunk instead of reaching the image data.
func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard count > 0, let start else { return 0 }
    var bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    var p = 8
    while p + 12 <= bytes.count {
        let length = Int(bytes[p]) << 24 | Int(bytes[p + 1]) << 16 | Int(bytes[p + 2]) << 8 | Int(bytes[p + 3])
        guard length <= bytes.count - p - 12 else { break }
        let crc = CRC32.of(bytes[(p + 4)..<(p + 8 + length)])
        for k in 0..<4 { bytes[p + 8 + length + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
        p += 12 + length
    }
    _ = try? PNGDecoder.decode(Data(bytes), name: "fuzz.png", maxPixels: 1 << 22)
    return 0
}

enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func of(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
