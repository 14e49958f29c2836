import Foundation

/// The one line appender: count records (`CountOutputFile`), eval's per-image CSV and training's `log.jsonl` all
/// write through it.
///
/// Each line is one `write(2)`, so a reader never sees half of one; a write cut short (a full disk) is cut back
/// off the file before the error, which names the file and the system's reason, is thrown.
package final class LineFile {
    /// The file's path, or "standard output"; used in error messages.
    let name: String
    let fd: Int32
    private let ownsDescriptor: Bool
    private var size: off_t = 0

    /// Standard output; a pipe or a terminal may take a long line in pieces.
    static func standardOutput() -> LineFile { LineFile() }

    private init() {
        name = "standard output"
        fd = 1
        ownsDescriptor = false
    }

    /// Opens `path` for appending, created when missing; `truncating` empties it first.
    init(path: String, truncating: Bool) throws {
        name = path
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (truncating ? O_TRUNC : 0), 0o644)
        guard fd >= 0 else { throw OutputFileError.system(path) }
        ownsDescriptor = true
        size = lseek(fd, 0, SEEK_END)
    }

    /// Creates or empties `path` after `checkWritable`'s checks, so an output that cannot be written is found
    /// before any model loads.
    package convenience init(replacing path: String) throws {
        try LineFile.checkWritable(path)
        try self.init(path: path, truncating: true)
    }

    deinit { if ownsDescriptor { close(fd) } }

    /// Bytes in the file (0 for standard output).
    var length: off_t { size }

    /// Cuts the file back to its first `length` bytes (a torn last record) and appends after them.
    func cutBack(to length: off_t) throws {
        guard ftruncate(fd, length) == 0 else { throw OutputFileError.system(name) }
        size = lseek(fd, 0, SEEK_END)
    }

    /// Writes `line` and a newline with a single write(2).
    package func write(_ line: String) throws {
        var text = line + "\n"
        let failure: Int32? = text.withUTF8 { buf in  // errno, or nil when all is written
            if ownsDescriptor {
                // A file takes the record whole, or runs out of space part-way.
                let n = Self.retrying { Foundation.write(fd, buf.baseAddress, buf.count) }
                return n == buf.count ? nil : (n < 0 ? errno : ENOSPC)
            }
            // A pipe or a terminal may take a long line in pieces.
            var done = 0
            while done < buf.count {
                let n = Self.retrying { Foundation.write(fd, buf.baseAddress! + done, buf.count - done) }
                if n < 0 { return errno }
                done += n
            }
            return nil
        }
        if let failure {
            if ownsDescriptor { _ = ftruncate(fd, size) }  // no half record stays behind
            throw OutputFileError.system(name, failure)
        }
        size += off_t(text.utf8.count)
    }

    private static func retrying(_ call: () -> Int) -> Int {
        var n: Int
        repeat { n = call() } while n < 0 && errno == EINTR
        return n
    }

    /// Everything that can be known about writing `path` before it is opened: the folder exists and is writable,
    /// the file system is neither full nor read-only, and `path` is not a folder.
    static func checkWritable(_ path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent, folder = parent.isEmpty ? "." : parent
        func refuse(_ code: Int32, inFolder: Bool = false) -> OutputFileError {
            .cannotWrite(file: path, reason: String(cString: strerror(code)) + (inFolder ? " (the folder \(folder))" : ""))
        }
        func isFolder(_ st: stat) -> Bool { (st.st_mode & S_IFMT) == S_IFDIR }
        var st = stat(), fs = stat(), vfs = statvfs()
        let exists = stat(path, &st) == 0
        if exists && isFolder(st) { throw refuse(EISDIR) }
        if exists && access(path, W_OK) != 0 { throw refuse(errno) }
        guard stat(folder, &fs) == 0 else { throw refuse(errno, inFolder: true) }
        guard isFolder(fs) else { throw refuse(ENOTDIR, inFolder: true) }
        if !exists && access(folder, W_OK) != 0 { throw refuse(errno, inFolder: true) }
        if statvfs(folder, &vfs) == 0 {
            if vfs.f_flag & UInt(ST_RDONLY) != 0 { throw refuse(EROFS, inFolder: true) }
            // Root may still use the reserved blocks; nobody can use a file system with no block free. A file
            // system that counts no blocks at all (proc, sysfs, ramfs) is not full: open(2) gives the real reason.
            let full = vfs.f_bfree == 0 || (vfs.f_bavail == 0 && getuid() != 0)
            if vfs.f_blocks > 0 && full { throw refuse(ENOSPC, inFolder: true) }
        }
    }
}
