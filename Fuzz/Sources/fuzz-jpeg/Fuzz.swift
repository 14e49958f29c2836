@testable import CrowdCLIPCore
import FuzzSupport
import Foundation

/// JPEG through libjpeg and the Pillow-mode conversion. The pixel cap is lowered to 4 M so a run is quick;
/// the cap logic is the same as the real one (178 M), which is tested in the suite.
@_cdecl("fuzz_jpeg_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv) { start, count in fuzz(start, count) }
}

func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    var data = Data([0xFF, 0xD8, 0xFF])
    if count > 0, let start { data = Data(bytes: start, count: count) }
    _ = try? JPEGDecoder.decode(data, name: "fuzz.jpg", maxPixels: 1 << 22)
    return 0
}
