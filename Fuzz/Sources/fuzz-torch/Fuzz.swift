@testable import CrowdCLIPCore
import FuzzSupport
import Foundation

/// A whole PyTorch zip checkpoint: zip directory, data.pkl through the restricted unpickler, tensor records,
/// canonical names; every tensor loaded is read end to end.
@_cdecl("fuzz_torch_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv) { start, count in fuzz(start, count) }
}

func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = FuzzInput.file("input.pt", FuzzInput.data(start, count))
    if let store = try? WeightLoader.load(path: path) {
        var sum: Float = 0
        for name in store.names { if let t = store.tensorIfPresent(name) { for i in 0..<t.count { sum += t[flat: i] } } }
        _ = sum
    }
    return 0
}
