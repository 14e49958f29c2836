import Foundation

/// What an earlier run left in an output file (JSON lines or CSV): which images already have a result, where
/// the last complete record ends, and whether the file needs compacting. Failed images are tried again.
///
/// The file is streamed line by line and only a 16-byte `PathKey` is kept per counted image, so resuming a
/// 100,000-image run costs about 2 MB.
package struct ResumeIndex: Sendable {
    /// The format the file holds; nil when it holds no complete line yet.
    package let format: CountOutputFormat?
    /// Bytes up to and including the last newline: anything after it is a record cut off by a crash or a full
    /// disk, which resuming drops (the image is counted again).
    let completeLength: Int
    /// Bytes after `completeLength`.
    package let tornBytes: Int
    private let counted: [PathKey]  // sorted

    /// Whether the image with this identity (canonical path) was counted successfully; failures are not.
    package func contains(path: String) -> Bool {
        var lo = 0, hi = counted.count
        let key = PathKey(path)
        while lo < hi {
            let mid = (lo + hi) / 2
            if counted[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo < counted.count && counted[lo] == key
    }

    /// How many success records the file holds (an image with several success records counts once per record).
    var countedImages: Int { counted.count }

    /// An empty index (a fresh output).
    package init() { self.init(format: nil, completeLength: 0, tornBytes: 0, counted: []) }

    private init(format: CountOutputFormat?, completeLength: Int, tornBytes: Int, counted: [PathKey]) {
        self.format = format
        self.completeLength = completeLength
        self.tornBytes = tornBytes
        self.counted = counted
    }

    /// Reads `path`; a missing file is an empty index. Throws `formatMismatch` (the file is not touched) when the
    /// file holds another format than `expected`.
    package init(readingFile path: String, expected: CountOutputFormat) throws {
        var found: CountOutputFormat?
        var keys: [PathKey] = []
        keys.reserveCapacity(RecordLines.count(path))  // sized once: growing by doubling would hold two copies
        var complete = 0, total = 0
        var mismatch: String?
        let readable = try RecordLines.scan(path) { line, end in
            complete = end
            if found == nil && mismatch == nil {
                switch RecordLines.format(ofFirstLine: line) {
                case .success(let f): found = f
                case .failure(let why): mismatch = why.description; return false
                }
                if found == .csv && line == CountOutputFormat.csvHeader { return true }
            }
            guard let record = RecordLines.parse(line, format: found!) else { return true }
            if record.counted { keys.append(record.key) }
            return true
        } total: { total = $0 }
        if !readable { self.init(); return }
        if let mismatch { throw OutputFileError.formatMismatch(file: path, found: mismatch, expected: expected) }
        if let found, found != expected {
            throw OutputFileError.formatMismatch(file: path, found: found == .csv ? "CSV" : "JSON lines", expected: expected)
        }
        keys.sort()
        self.init(format: found, completeLength: complete, tornBytes: total - complete, counted: keys)
    }
}
