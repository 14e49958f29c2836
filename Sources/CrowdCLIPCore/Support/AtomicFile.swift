import Foundation

/// Writes a file through a temporary sibling and `rename`, which is atomic on POSIX file systems.
enum AtomicFile {
    /// Writes `data` to `path` through a temporary file in the same folder, then renames it over `path`.
    /// - Throws: `OutputFileError.cannotWrite` naming `path` with the system's reason ("No space left on
    ///   device", …) when the temporary file cannot be created, written or renamed (it is then removed).
    package static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw OutputFileError.system(path) }
        var failure: Int32 = 0
        data.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                done += n
            }
        }
        if close(fd) != 0, failure == 0 { failure = errno }  // NFS and quotas may report a full disk only here
        if failure == 0, rename(tmp, path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(tmp)
            throw OutputFileError.system(path, failure)
        }
    }
}
