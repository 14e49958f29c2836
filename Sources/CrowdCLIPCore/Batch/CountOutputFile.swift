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
    let file: LineFile

    /// Standard output (never resumed or compacted); the header, if any, is written first.
    package init(standardOutputIn format: CountOutputFormat) throws {
        name = "standard output"
        self.format = format
        file = .standardOutput()
        if let header = format.header { try write(header) }
    }

    /// Opens `path`: truncated for a new run; for a resumed one (`continuing` from `preflight`) cut back to its
    /// last complete record and appended to. Writes the header when the file starts empty.
    package init(path: String, format: CountOutputFormat, continuing index: ResumeIndex?) throws {
        name = path
        self.format = format
        file = try LineFile(path: path, truncating: index == nil)
        if let index, index.tornBytes > 0 { try file.cutBack(to: off_t(index.completeLength)) }
        if file.length == 0, let header = format.header { try write(header) }
    }

    /// Writes `line` and a newline with a single write(2).
    package func write(_ line: String) throws { try file.write(line) }

    /// Everything that can be known about writing `path` before the models load. Returns the resume index
    /// (empty for a new run).
    package static func preflight(path: String, format: CountOutputFormat, inputs: PathList, resume: Bool) throws -> ResumeIndex {
        try refuseInputs(path: path, inputs: inputs)
        try LineFile.checkWritable(path)
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
        do {
            try AtomicFile.write(to: CanonicalPath.resolved(path) ?? path, keepingMode: true) { out in
                var n = 0
                _ = try RecordLines.scan(path, { line, _ in
                    defer { n += 1 }
                    if keep[n] { try out.writeLine(line) }
                    return true
                }, total: { _ in })
            }
        } catch let error as OutputFileError {
            throw error
        } catch {
            throw OutputFileError.system(path)
        }
        return lines - kept
    }
}
