import Foundation

/// One shard's output file as `crowdclip merge` reads it: `count` JSON lines, `count` CSV, or the per-image CSV of
/// `eval` (`image,gt,count`). Lines are kept verbatim so a merge reproduces a single run's bytes.
public struct ShardOutput: Sendable {
    /// Which subcommand and format wrote a shard file.
    public enum Kind: Equatable, Sendable, CustomStringConvertible {
        /// `count` output in JSON lines.
        case countJSONL
        /// `count` output in CSV (header with `image`, `count` and `error` columns).
        case countCSV
        /// `eval`'s per-image CSV, `image,gt,count`.
        case evalCSV

        /// A human-readable name of the kind, for error messages.
        public var description: String {
            switch self {
            case .countJSONL: return "count output in JSON lines"
            case .countCSV: return "count output in CSV"
            case .evalCSV: return "eval per-image CSV (image,gt,count)"
            }
        }
    }

    /// One image's line.
    public struct Record: Sendable {
        /// The image as the run found it (the input argument joined with the relative path).
        public let image: String
        /// What makes two records the same image: the record's `path`, else the image's canonical path
        /// (`CanonicalPath.of`) where it exists here, else `image` as written.
        public let identity: String
        /// The line as the shard wrote it.
        public let line: String
        /// Whether the record is a failure (no count, an error instead).
        public let failed: Bool
        /// For eval rows: the label (nil when the split has none) and the count.
        public let groundTruth: Double?
        /// The predicted count; nil for a failed record.
        public let count: Double?
        /// 1-based line number in the shard file, for messages.
        public let lineNumber: Int
    }

    /// The path the shard was read from.
    public let file: String
    /// nil for an empty file (a shard that received no images writes nothing in JSON lines).
    public let kind: Kind?
    /// The CSV header line as written.
    public let header: String?
    /// The image records, in file order.
    public let records: [Record]
    /// Lines that are not records: `file:line: why`. A cut-off last line (a task killed mid-write) is one of them.
    public let problems: [String]

    /// Reads and classifies the shard file at `path`; bad lines go to `problems`.
    ///
    /// - Throws: `ShardMergeError` when the file cannot be read, is a table, or is of no known format.
    public static func read(path: String) throws -> ShardOutput {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            let why = !FileManager.default.fileExists(atPath: path, isDirectory: &isDir) ? "no such file"
                : isDir.boolValue ? "is a folder, not a shard output" : "cannot be read"
            throw ShardMergeError.cannotRead(file: path, reason: why)
        }
        // Lenient decoding: a task killed mid-write can leave a cut-off character at the end.
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        guard let first = lines.firstIndex(where: { !$0.isEmpty }) else {
            return ShardOutput(file: path, kind: nil, header: nil, records: [], problems: [])
        }
        let head = lines[first]
        if head.hasPrefix("{") { return readJSONL(path: path, lines: lines) }
        guard let columns = CSVLine.parse(head), columns.first == "image" else {
            if head.hasPrefix("image ") { throw ShardMergeError.table(file: path) }
            throw ShardMergeError.unknownFormat(file: path, firstLine: String(head.prefix(80)))
        }
        if columns == ["image", "gt", "count"] { return readEvalCSV(path: path, lines: lines, headerIndex: first) }
        if columns.contains("count") && columns.contains("error") {
            return readCountCSV(path: path, lines: lines, headerIndex: first, columns: columns)
        }
        throw ShardMergeError.unknownFormat(file: path, firstLine: String(head.prefix(80)))
    }

    /// The fields a merge needs; the rest of the line (the patches) is checked as JSON and copied as it is.
    private struct CountLine: Decodable {
        let image: String
        let path: String?
        let count: Double?
        let error: String?
    }

    private static func readJSONL(path: String, lines: [String]) -> ShardOutput {
        var records: [Record] = [], problems: [String] = []
        let decoder = JSONDecoder()
        for (i, line) in lines.enumerated() where !line.isEmpty {
            guard let fields = try? decoder.decode(CountLine.self, from: Data(line.utf8)) else {
                problems.append(problem(path, i, lines, "not a count record (a JSON object with \"image\")"))
                continue
            }
            let failed = fields.count == nil
            if failed && fields.error == nil { problems.append(problem(path, i, lines, "neither \"count\" nor \"error\"")); continue }
            records.append(Record(image: fields.image, identity: fields.path ?? canonicalPath(fields.image) ?? fields.image, line: line,
                                  failed: failed, groundTruth: nil, count: fields.count, lineNumber: i + 1))
        }
        return ShardOutput(file: path, kind: .countJSONL, header: nil, records: records, problems: problems)
    }

    private static func readCountCSV(path: String, lines: [String], headerIndex: Int, columns: [String]) -> ShardOutput {
        let imageColumn = 0, pathColumn = columns.firstIndex(of: "path")
        let countColumn = columns.firstIndex(of: "count")!, errorColumn = columns.firstIndex(of: "error")!
        var records: [Record] = [], problems: [String] = []
        for (i, line) in lines.enumerated() where i > headerIndex && !line.isEmpty {
            guard let f = CSVLine.parse(line), f.count == columns.count else {
                problems.append(problem(path, i, lines, "not a CSV row of \(columns.count) fields")); continue
            }
            let failed = f[countColumn].isEmpty
            if failed && f[errorColumn].isEmpty { problems.append(problem(path, i, lines, "neither a count nor an error")); continue }
            let recorded = pathColumn.map { f[$0] }.flatMap { $0.isEmpty ? nil : $0 }
            records.append(Record(image: f[imageColumn], identity: recorded ?? canonicalPath(f[imageColumn]) ?? f[imageColumn],
                                  line: line, failed: failed, groundTruth: nil, count: Double(f[countColumn]), lineNumber: i + 1))
        }
        return ShardOutput(file: path, kind: .countCSV, header: lines[headerIndex], records: records, problems: problems)
    }

    private static func readEvalCSV(path: String, lines: [String], headerIndex: Int) -> ShardOutput {
        var records: [Record] = [], problems: [String] = []
        for (i, line) in lines.enumerated() where i > headerIndex && !line.isEmpty {
            guard let f = CSVLine.parse(line), f.count == 3, let count = Double(f[2]), f[1].isEmpty || Double(f[1]) != nil else {
                problems.append(problem(path, i, lines, "not an image,gt,count row")); continue
            }
            records.append(Record(image: f[0], identity: canonicalPath(f[0]) ?? f[0], line: line, failed: false,
                                  groundTruth: Double(f[1]), count: count, lineNumber: i + 1))
        }
        return ShardOutput(file: path, kind: .evalCSV, header: lines[headerIndex], records: records, problems: problems)
    }

    private static func problem(_ path: String, _ index: Int, _ lines: [String], _ why: String) -> String {
        // The split leaves an empty last element after a final newline; a non-empty last element had none.
        let cutOff = index == lines.count - 1
        return "\(path):\(index + 1): " + (cutOff ? "cut-off last line (the task stopped mid-write); rerun that shard with --resume" : why)
    }

    /// The identity `count` writes as `path` (`CanonicalPath.of`); nil when the file does not exist here.
    public static func canonicalPath(_ path: String) -> String? { CanonicalPath.of(path) }
}
