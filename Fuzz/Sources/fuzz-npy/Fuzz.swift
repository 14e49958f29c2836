@testable import CrowdCLIPCore
import FuzzSupport
import Foundation

/// NumPy `.npy` float32 arrays.
@_cdecl("fuzz_npy_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv) { start, count in fuzz(start, count) }
}

func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard count > 0, let start else { return 0 }
    if let t = try? NPYFile.read(data: Data(bytes: start, count: count), name: "fuzz.npy") {
        var sum: Float = 0
        for i in 0..<t.count { sum += t[flat: i] }
        _ = sum
    }
    return 0
}
