@testable import CrowdCLIPCore
import FuzzSupport
import Foundation

/// The restricted unpickler on raw pickle bytes (no zip around them), then the containers released.
@_cdecl("fuzz_pickle_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv) { start, count in fuzz(start, count) }
}

func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let arena = PickleArena()
    _ = try? RestrictedUnpickler(file: "fuzz.pkl", data: FuzzInput.data(start, count), arena: arena).load()
    arena.release()
    return 0
}
