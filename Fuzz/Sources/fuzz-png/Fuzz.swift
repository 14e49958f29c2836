@testable import CrowdCLIPCore
import FuzzSupport
import Foundation

/// PNG through libpng and the Pillow-mode conversion (pixel cap lowered to 4 M, as for JPEG).
@_cdecl("fuzz_png_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv) { start, count in fuzz(start, count) }
}

func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard count > 0, let start else { return 0 }
    _ = try? PNGDecoder.decode(Data(bytes: start, count: count), name: "fuzz.png", maxPixels: 1 << 22)
    return 0
}
