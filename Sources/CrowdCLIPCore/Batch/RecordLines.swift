import Foundation

/// Line-level reading of result files.
enum RecordLines {
    static let olderCSVHeader = "image,count,selected_patches,error"

    /// Calls `body` with each complete record and the offset just past it, until it returns false; then `total`
    /// with the file size. Returns false when the file does not exist.
    static func scan(_ path: String, _ body: (String, Int) throws -> Bool, total: (Int) -> Void) throws -> Bool {
        guard let end = try records(path, { try body($0.text, $0.end) }) else { return false }
        total(end.size)
        return true
    }

    /// One record: a newline-terminated line, or in CSV several physical lines while a quoted field is open (a
    /// file name may hold a newline, which `CSVText.field` writes inside quotes).
    struct Record {
        /// Without its final newline; inner newlines kept, so `text + "\n"` is the bytes of the file.
        let text: String
        /// Offset just past the record.
        let end: Int
        /// 1-based physical line it starts on, for messages.
        let line: Int
    }

    /// What follows the last complete record: a record cut off by a crash or a full disk.
    struct End {
        let size: Int
        /// The cut-off bytes ("" when the file ends with a complete record) and the line they start on.
        let torn: String
        let tornLine: Int
    }

    /// A quoted field open longer than this is damage (a stray quote), not a file name: its first line is then
    /// passed on alone, so one bad line cannot swallow the records after it.
    static let longestRecord = 1 << 16

    /// The one reader of result files: count and eval output, JSON lines or CSV. CSV records (any file whose
    /// first non-empty line does not start with `{`) continue onto the next line while a quote is open.
    /// Returns nil when the file does not exist.
    static func records(_ path: String, _ body: (Record) throws -> Bool) throws -> End? {
        guard let file = fopen(path, "r") else {
            if errno == ENOENT { return nil }
            throw OutputFileError.system(path, read: true)
        }
        defer { fclose(file) }
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        var offset = 0, lineNumber = 0
        var csv: Bool?
        // A CSV record still open: its text so far, where it starts, where its first line ends. A quote is open
        // while the record holds an odd number of `"` (doubled quotes inside a field keep the parity).
        var pending: String?, pendingLine = 0, pendingFirstEnd = 0, pendingFirst = "", pendingBytes = 0
        var torn = "", tornLine = 0
        while true {
            let n = getline(&buffer, &capacity, file)
            if n < 0 { break }
            lineNumber += 1
            let bytes = UnsafeRawBufferPointer(start: buffer, count: n)
            let hasNewline = bytes[n - 1] == 0x0A
            let piece = String(decoding: hasNewline ? UnsafeRawBufferPointer(rebasing: bytes.dropLast()) : bytes, as: UTF8.self)
            offset += n
            if !hasNewline {
                torn = pending.map { $0 + "\n" + piece } ?? piece
                tornLine = pending == nil ? lineNumber : pendingLine
                pending = nil
                break
            }
            if csv == nil && !piece.isEmpty { csv = !piece.hasPrefix("{") }
            let oddQuotes = csv == true && bytes.reduce(0) { $0 + ($1 == 0x22 ? 1 : 0) } % 2 == 1
            if var text = pending {
                text += "\n" + piece
                pendingBytes += n
                if oddQuotes {  // the quote closes on this line
                    pending = nil
                    if try !body(Record(text: text, end: offset, line: pendingLine)) { break }
                } else if pendingBytes <= longestRecord {  // still open
                    pending = text
                } else {
                    // Damage: pass the first line on alone and read on from the line after it.
                    pending = nil
                    if try !body(Record(text: pendingFirst, end: pendingFirstEnd, line: pendingLine)) { break }
                    guard fseeko(file, off_t(pendingFirstEnd), SEEK_SET) == 0 else { throw OutputFileError.system(path, read: true) }
                    offset = pendingFirstEnd; lineNumber = pendingLine
                }
            } else if oddQuotes {
                pending = piece; pendingLine = lineNumber; pendingFirstEnd = offset; pendingFirst = piece; pendingBytes = n
            } else {
                if try !body(Record(text: piece, end: offset, line: lineNumber)) { break }
            }
        }
        if ferror(file) != 0 { throw OutputFileError.system(path, read: true) }
        if let pending { torn = pending + "\n"; tornLine = pendingLine }
        var st = stat()
        let size = fstat(fileno(file), &st) == 0 ? Int(st.st_size) : offset
        return End(size: size, torn: torn, tornLine: tornLine)
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
