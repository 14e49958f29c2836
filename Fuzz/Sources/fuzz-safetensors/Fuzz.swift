@testable import CrowdCLIPCore
import FuzzSupport
import Foundation

/// `.safetensors` header and data ranges, then every tensor touched (a bad view would read out of bounds).
@_cdecl("fuzz_safetensors_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv) { start, count in fuzz(start, count) }
}

func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = FuzzInput.file("input.safetensors", FuzzInput.data(start, count))
    if let (tensors, _) = try? SafetensorsReader.read(path: path) {
        var sum: Float = 0
        for t in tensors.values { for i in 0..<t.count { sum += t[flat: i] } }
        _ = sum
    }
    return 0
}
