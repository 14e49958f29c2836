@testable import CrowdCLIPCore
import FuzzSupport
import Foundation

/// A Hugging Face `config.json` as the folder loader reads it: JSON, then the hints taken from it.
@_cdecl("fuzz_hfconfig_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv) { start, count in fuzz(start, count) }
}

func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard count > 0, let start else { return 0 }
    if let json = try? JSONSerialization.jsonObject(with: Data(bytes: start, count: count)) as? [String: Any] {
        _ = HuggingFaceFolder.hints(from: json)
    }
    return 0
}
