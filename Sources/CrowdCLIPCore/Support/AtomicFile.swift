import Foundation

/// Writes a file through a temporary sibling and `rename`, which is atomic on POSIX file systems.
enum AtomicFile {
    /// Writes `data` to `path` through a temporary file in the same folder, then renames it over `path`.
    /// - Throws: the error of writing the temporary file, or `CocoaError(.fileWriteUnknown)` when the rename fails
    ///   (the temporary file is removed).
    package static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try data.write(to: tmp)
        if rename(tmp.path, url.path) != 0 {
            try? FileManager.default.removeItem(at: tmp)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
