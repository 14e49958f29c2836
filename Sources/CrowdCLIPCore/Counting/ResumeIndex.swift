import Foundation

/// What an earlier run left in an output file (JSON lines or CSV): which images already have a result, where
/// the last complete record ends, and whether the file needs compacting. Failed images are tried again.
///
/// The file is streamed line by line and only a 16-byte `PathKey` is kept per counted image, so resuming a
/// 100,000-image run costs about 2 MB.
public struct ResumeIndex: Sendable {
    /// The format the file holds; nil when it holds no complete line yet.
    public let format: CountOutputFormat?
    /// Bytes up to and including the last newline: anything after it is a record cut off by a crash or a full
    /// disk, which resuming drops (the image is counted again).
    public let completeLength: Int
    /// Bytes after `completeLength`.
    public let tornBytes: Int
    private let counted: [PathKey]  // sorted

    /// Whether the image with this identity (canonical path) was counted successfully; failures are not.
    public func contains(path: String) -> Bool {
        var lo = 0, hi = counted.count
        let key = PathKey(path)
        while lo < hi {
            let mid = (lo + hi) / 2
            if counted[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo < counted.count && counted[lo] == key
    }

    /// How many success records the file holds (an image with several success records counts once per record).
    public var countedImages: Int { counted.count }

    /// An empty index (a fresh output).
    public init() { self.init(format: nil, completeLength: 0, tornBytes: 0, counted: []) }

    private init(format: CountOutputFormat?, completeLength: Int, tornBytes: Int, counted: [PathKey]) {
        self.format = format
        self.completeLength = completeLength
        self.tornBytes = tornBytes
        self.counted = counted
    }

    /// Reads `path`; a missing file is an empty index. Throws `formatMismatch` (the file is not touched) when the
    /// file holds another format than `expected`.
    public init(readingFile path: String, expected: CountOutputFormat) throws {
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

/// One record as resume and compaction see it.
struct RecordSummary {
    /// The `path` identity, or the `image` spelling for a failure whose file does not exist.
    let key: PathKey
    let counted: Bool
}

/// Line-level reading of result files.
enum RecordLines {
    static let olderCSVHeader = "image,count,selected_patches,error"

    /// Calls `body` with each complete (newline-terminated) line and the offset just past it, until it returns
    /// false; then `total` with the file size. Returns false when the file does not exist.
    static func scan(_ path: String, _ body: (String, Int) throws -> Bool, total: (Int) -> Void) throws -> Bool {
        guard let file = fopen(path, "r") else {
            if errno == ENOENT { return false }
            throw OutputFileError.system(path, read: true)
        }
        defer { fclose(file) }
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        var offset = 0
        while true {
            let n = getline(&buffer, &capacity, file)
            if n < 0 { break }
            let hasNewline = buffer![n - 1] == 0x0A
            if !hasNewline { offset += n; break }  // a torn last line
            offset += n
            let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: n - 1), as: UTF8.self)
            if try !body(line, offset) { break }
        }
        if ferror(file) != 0 { throw OutputFileError.system(path, read: true) }
        var st = stat()
        total(fstat(fileno(file), &st) == 0 ? Int(st.st_size) : offset)
        return true
    }

    /// Newlines in the file (0 when it cannot be read), to size buffers before a scan.
    static func count(_ path: String) -> Int {
        guard let file = fopen(path, "r") else { return 0 }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16), n = 0
        while true {
            let got = fread(&buffer, 1, buffer.count, file)
            if got <= 0 { return n }
            for i in 0..<got where buffer[i] == 0x0A { n += 1 }
        }
    }

    static func format(ofFirstLine line: String) -> Result<CountOutputFormat, MismatchReason> {
        if line.hasPrefix("{") { return .success(.jsonl) }
        if line == CountOutputFormat.csvHeader { return .success(.csv) }
        if line == olderCSVHeader { return .failure(MismatchReason("CSV without a path column (written by an older crowdclip)")) }
        if line.hasPrefix("image ") { return .failure(MismatchReason("a table (for people; it cannot be resumed)")) }
        return .failure(MismatchReason("something that is not crowdclip output (first line: \(line.prefix(60)))"))
    }

    struct MismatchReason: Error, CustomStringConvertible {
        let description: String
        init(_ s: String) { description = s }
    }

    /// nil for a line that is not a record (a header, or damage inside the file).
    static func parse(_ line: String, format: CountOutputFormat) -> RecordSummary? {
        switch format {
        case .jsonl:
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let image = obj["image"] as? String else { return nil }
            let counted = obj["count"] is NSNumber && obj["error"] == nil
            return RecordSummary(key: key(path: obj["path"] as? String, image: image), counted: counted)
        case .csv:
            guard let f = CSVLine.parse(line), f.count == 5, f[0] != "image" || f[1] != "path" else { return nil }
            return RecordSummary(key: key(path: f[1].isEmpty ? nil : f[1], image: f[0]), counted: !f[2].isEmpty && f[4].isEmpty)
        case .table:
            return nil
        }
    }

    /// A record without a path (its file did not exist then, or an older crowdclip wrote it) is matched by what
    /// its image name resolves to now, else by the name itself.
    static func key(path: String?, image: String) -> PathKey {
        if let path { return PathKey(path) }
        return CanonicalPath.of(image).map { PathKey($0) } ?? PathKey("\u{0}missing:" + image)
    }
}
