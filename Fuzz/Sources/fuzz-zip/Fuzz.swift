@testable import CrowdCLIPCore
import FuzzSupport
import Foundation

/// The zip reader alone: central directory, zip64 records, local headers, and every entry's bytes (stored or
/// inflated) read end to end.
@_cdecl("fuzz_zip_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv) { start, count in fuzz(start, count) }
}

func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let path = FuzzInput.file("input.zip", FuzzInput.data(start, count))
    guard let file = try? MappedFile(path: path), let zip = try? ZipArchive(file: file) else { return 0 }
    var sum = 0
    for name in zip.entries.keys {
        if let b = try? zip.data(name) { for byte in b.bytes { sum &+= Int(byte) } }
    }
    _ = sum
    return 0
}
