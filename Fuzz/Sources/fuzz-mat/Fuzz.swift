@testable import CrowdCLIPCore
import FuzzSupport
import Foundation

/// MATLAB Level-5 MAT-files (compressed elements, cells, structs, every numeric class), then the dataset
/// readers' point-count lookup.
@_cdecl("fuzz_mat_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv) { start, count in fuzz(start, count) }
}

func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard count > 0, let start else { return 0 }
    if let mat = try? MATFile(data: Data(bytes: start, count: count), name: "fuzz.mat") {
        for v in mat.variables.values { _ = v.find(field: "location"); _ = v.find(field: "annPoints") }
    }
    return 0
}
