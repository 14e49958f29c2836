import Foundation

/// Helpers for parsers that read from a path: the input is written to one scratch file per process in
/// /dev/shm (memory-backed), rewritten for every run.
public enum FuzzInput {
    public static let scratchDirectory: String = {
        let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(dir)/crowdclip-fuzz-\(getpid())"
    }()

    /// Writes `bytes` to the scratch file named `name` and returns its path.
    public static func file(_ name: String, _ bytes: UnsafeRawBufferPointer) -> String {
        try? FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
        let path = "\(scratchDirectory)/\(name)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot write \(path)")
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            precondition(n > 0, "cannot write \(path)")
            done += n
        }
        close(fd)
        return path
    }

    public static func data(_ start: UnsafeRawPointer?, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: count > 0 ? start : nil, count: count)
    }
}

/// libFuzzer's driver, called from each target's entry point. SwiftPM links an executable with `main` renamed
/// to `<module>_main`, so the targets define that name and hand over to libFuzzer from there.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

public enum FuzzDriver {
    public static func run(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                           _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
        var argc = argc
        var argv = argv
        return LLVMFuzzerRunDriver(&argc, &argv, callback)
    }
}
