@testable import CrowdCLIPCore
import FuzzSupport
import Foundation

/// Dataset label and list files: a `path [count]` list, and the same bytes as a JHU-Crowd++ head list and an
/// NWPU-Crowd split list, through the dataset readers.
@_cdecl("fuzz_lists_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv) { start, count in fuzz(start, count) }
}

func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = FuzzInput.data(start, count)
    let list = FuzzInput.file("list.txt", bytes)
    _ = try? DatasetReader.samples(kind: .list, root: list)
    // An NWPU tree whose split list is the input (no images or labels: every line names a missing file).
    let nwpu = FuzzInput.scratchDirectory + "/nwpu"
    try? FileManager.default.createDirectory(atPath: nwpu, withIntermediateDirectories: true)
    _ = FuzzInput.file("nwpu/val.txt", bytes)
    _ = try? DatasetReader.samples(kind: .nwpu, root: nwpu, split: "val")
    _ = try? DatasetReader.imagePaths(kind: .nwpu, root: nwpu, split: "val")
    return 0
}
