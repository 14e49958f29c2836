import Foundation

/// A results file, or standard output, that count records go to.
///
/// - Checked before any model is loaded (`preflight`): the folder exists and is writable, the file system is not
///   full or read-only, the output is none of the inputs, and a file being resumed holds the same format.
/// - Each record is one `write(2)` of the whole line, so a reader never sees half of one; a write cut short (a
///   full disk) is cut back off the file before the error is reported.
/// - Resuming drops a torn last line before appending, and `compact` leaves one record per image at the end.
package final class CountOutputFile {
    /// The file's path, or "standard output"; used in error messages.
    package let name: String
    /// The format of the records written here.
    package let format: CountOutputFormat
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var size: off_t = 0

    /// Standard output (never resumed or compacted); the header, if any, is written first.
    package init(standardOutputIn format: CountOutputFormat) throws {
        name = "standard output"
        self.format = format
        fd = 1
        ownsDescriptor = false
        if let header = format.header { try write(header) }
    }

    /// Opens `path`: truncated for a new run; for a resumed one (`continuing` from `preflight`) cut back to its
    /// last complete record and appended to. Writes the header when the file starts empty.
    package init(path: String, format: CountOutputFormat, continuing index: ResumeIndex?) throws {
        name = path
        self.format = format
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (index == nil ? O_TRUNC : 0)
        fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw OutputFileError.system(path) }
        ownsDescriptor = true
        if let index {
            if index.tornBytes > 0 { guard ftruncate(fd, off_t(index.completeLength)) == 0 else { throw OutputFileError.system(path) } }
            size = lseek(fd, 0, SEEK_END)
        }
        if size == 0, let header = format.header { try write(header) }
    }

    deinit { if ownsDescriptor { close(fd) } }

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

    /// Everything that can be known about writing `path` before the models load. Returns the resume index
    /// (empty for a new run).
    package static func preflight(path: String, format: CountOutputFormat, inputs: PathList, resume: Bool) throws -> ResumeIndex {
        try refuseInputs(path: path, inputs: inputs)
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
        return resume ? try ResumeIndex(readingFile: path, expected: format) : ResumeIndex()
    }

    /// Throws `wouldOverwriteInput` when `path` is one of `inputs`, compared by file identity (device and inode),
    /// so any spelling, hard link or symlink of an input is caught.
    package static func refuseInputs<Inputs: Sequence>(path: String, inputs: Inputs) throws where Inputs.Element == String {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return }
        for input in inputs {
            var s = stat()
            if stat(input, &s) == 0 && s.st_dev == st.st_dev && s.st_ino == st.st_ino {
                throw OutputFileError.wouldOverwriteInput(file: path, input: input)
            }
        }
    }

    /// Rewrites `path` so it holds one record per image: an image's last success, or its last failure when it
    /// never succeeded, in the order of the file. Lines that are not records (damage, or text someone added) are
    /// kept where they are: compaction only drops records that a later one supersedes. The new file replaces the
    /// old one by rename(2), so a crash leaves one or the other. Returns how many records were dropped (0: file
    /// untouched).
    @discardableResult
    package static func compact(path: String, format: CountOutputFormat) throws -> Int {
        guard format != .table else { return 0 }
        struct Entry { let key: PathKey; let line: Int32; let counted: Bool }
        var entries: [Entry] = [], lines = 0, header = 0, unreadable: [Int] = []
        entries.reserveCapacity(RecordLines.count(path))
        _ = try RecordLines.scan(path, { line, _ in
            defer { lines += 1 }
            if lines == 0 && format == .csv && line == CountOutputFormat.csvHeader { header = 1; return true }
            if let r = RecordLines.parse(line, format: format) { entries.append(Entry(key: r.key, line: Int32(lines), counted: r.counted)) } else { unreadable.append(lines) }
            return true
        }, total: { _ in })
        // Per key, in line order: the last success wins, else the last failure.
        entries.sort { ($0.key, $0.line) < ($1.key, $1.line) }
        var keep = [Bool](repeating: false, count: lines)
        var i = 0
        while i < entries.count {
            var j = i, chosen = entries[i]
            while j < entries.count && entries[j].key == entries[i].key {
                if entries[j].counted || !chosen.counted { chosen = entries[j] }
                j += 1
            }
            keep[Int(chosen.line)] = true
            i = j
        }
        entries = []
        for line in unreadable { keep[line] = true }  // not ours to judge: kept where they are, for a person to see
        let kept = keep.filter { $0 }.count + header
        guard kept < lines else { return 0 }
        if header == 1 { keep[0] = true }
        let target = CanonicalPath.resolved(path) ?? path
        let temporary = (target as NSString).deletingLastPathComponent + "/.\((target as NSString).lastPathComponent).compact-\(getpid())"
        do {
            let out = try CountOutputFile(path: temporary, format: .jsonl, continuing: nil)  // jsonl: no header of its own
            var n = 0
            _ = try RecordLines.scan(path, { line, _ in
                defer { n += 1 }
                if keep[n] { try out.write(line) }
                return true
            }, total: { _ in })
            var st = stat()
            if stat(target, &st) == 0 { fchmod(out.fd, st.st_mode & 0o7777) }
            guard fsync(out.fd) == 0, rename(temporary, target) == 0 else { throw OutputFileError.system(path) }
        } catch {
            unlink(temporary)
            throw error
        }
        return lines - kept
    }
}
