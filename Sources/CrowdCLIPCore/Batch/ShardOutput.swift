import Foundation

/// One shard's output file as `crowdclip merge` reads it: `count` JSON lines, `count` CSV, or the per-image CSV of
/// `eval` (`image,gt,count`). Lines are kept verbatim so a merge reproduces a single run's bytes.
package struct ShardOutput: Sendable {
    /// Which subcommand and format wrote a shard file.
    package enum Kind: Equatable, Sendable, CustomStringConvertible {
        /// `count` output in JSON lines.
        case countJSONL
        /// `count` output in CSV (header with `image`, `count` and `error` columns).
        case countCSV
        /// `eval`'s per-image CSV, `image,gt,count`.
        case evalCSV

        /// A human-readable name of the kind, for error messages.
        package var description: String {
            switch self {
            case .countJSONL: return "count output in JSON lines"
            case .countCSV: return "count output in CSV"
            case .evalCSV: return "eval per-image CSV (image,gt,count)"
            }
        }
    }

    /// One image's line.
    package struct Record: Sendable {
        /// The image as the run found it (the input argument joined with the relative path).
        package let image: String
        /// What makes two records the same image: the record's `path`, else the image's canonical path
        /// (`CanonicalPath.of`) where it exists here, else `image` as written.
        let identity: String
        /// The line as the shard wrote it.
        package let line: String
        /// Whether the record is a failure (no count, an error instead).
        package let failed: Bool
        /// For eval rows: the label (nil when the split has none) and the count.
        package let groundTruth: Double?
        /// The predicted count; nil for a failed record.
        package let count: Double?
        /// 1-based line number in the shard file, for messages.
        let lineNumber: Int
    }

    /// The path the shard was read from.
    package let file: String
    /// nil for an empty file (a shard that received no images writes nothing in JSON lines).
    package let kind: Kind?
    /// The CSV header line as written.
    let header: String?
    /// The image records, in file order.
    package let records: [Record]
    /// Lines that are not records: `file:line: why`. A cut-off last line (a task killed mid-write) is one of them.
    package let problems: [String]

    /// A record as the shared reader (`RecordLines.records`) found it, or the cut-off bytes after the last one.
    private struct Line {
        let text: String
        let number: Int
        let cutOff: Bool
        var isEmpty: Bool { text.isEmpty }
    }

    /// Reads and classifies the shard file at `path`; bad lines go to `problems`.
    ///
    /// - Throws: `ShardMergeError` when the file cannot be read, is a table, or is of no known format.
    package static func read(path: String) throws -> ShardOutput {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ShardMergeError.cannotRead(file: path, reason: "no such file")
        }
        if isDir.boolValue { throw ShardMergeError.cannotRead(file: path, reason: "is a folder, not a shard output") }
        // The reader count and resume use, so a CSV name holding a newline is one record here too.
        var lines: [Line] = []
        let end: RecordLines.End?
        do {
            end = try RecordLines.records(path) { record in
                lines.append(Line(text: record.text.hasSuffix("\r") ? String(record.text.dropLast()) : record.text,
                                  number: record.line, cutOff: false))
                return true
            }
        } catch { throw ShardMergeError.cannotRead(file: path, reason: "cannot be read") }
        guard let end else { throw ShardMergeError.cannotRead(file: path, reason: "no such file") }
        if !end.torn.isEmpty { lines.append(Line(text: end.torn, number: end.tornLine, cutOff: true)) }
        guard let first = lines.firstIndex(where: { !$0.isEmpty }) else {
            return ShardOutput(file: path, kind: nil, header: nil, records: [], problems: [])
        }
        let head = lines[first].text
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

    private static func readJSONL(path: String, lines: [Line]) -> ShardOutput {
        var records: [Record] = [], problems: [String] = []
        let decoder = JSONDecoder()
        for line in lines where !line.isEmpty {
            guard let fields = try? decoder.decode(CountLine.self, from: Data(line.text.utf8)) else {
                problems.append(problem(path, line, "not a count record (a JSON object with \"image\")"))
                continue
            }
            let failed = fields.count == nil
            if failed && fields.error == nil { problems.append(problem(path, line, "neither \"count\" nor \"error\"")); continue }
            records.append(Record(image: fields.image, identity: fields.path ?? canonicalPath(fields.image) ?? fields.image, line: line.text,
                                  failed: failed, groundTruth: nil, count: fields.count, lineNumber: line.number))
        }
        return ShardOutput(file: path, kind: .countJSONL, header: nil, records: records, problems: problems)
    }

    private static func readCountCSV(path: String, lines: [Line], headerIndex: Int, columns: [String]) -> ShardOutput {
        let imageColumn = 0, pathColumn = columns.firstIndex(of: "path")
        let countColumn = columns.firstIndex(of: "count")!, errorColumn = columns.firstIndex(of: "error")!
        var records: [Record] = [], problems: [String] = []
        for line in lines[(headerIndex + 1)...] where !line.isEmpty {
            guard let f = CSVLine.parse(line.text), f.count == columns.count else {
                problems.append(problem(path, line, "not a CSV row of \(columns.count) fields")); continue
            }
            let failed = f[countColumn].isEmpty
            if failed && f[errorColumn].isEmpty { problems.append(problem(path, line, "neither a count nor an error")); continue }
            let recorded = pathColumn.map { f[$0] }.flatMap { $0.isEmpty ? nil : $0 }
            records.append(Record(image: f[imageColumn], identity: recorded ?? canonicalPath(f[imageColumn]) ?? f[imageColumn],
                                  line: line.text, failed: failed, groundTruth: nil, count: Double(f[countColumn]), lineNumber: line.number))
        }
        return ShardOutput(file: path, kind: .countCSV, header: lines[headerIndex].text, records: records, problems: problems)
    }

    private static func readEvalCSV(path: String, lines: [Line], headerIndex: Int) -> ShardOutput {
        var records: [Record] = [], problems: [String] = []
        for line in lines[(headerIndex + 1)...] where !line.isEmpty {
            guard let f = CSVLine.parse(line.text), f.count == 3, let count = Double(f[2]), f[1].isEmpty || Double(f[1]) != nil else {
                problems.append(problem(path, line, "not an image,gt,count row")); continue
            }
            records.append(Record(image: f[0], identity: canonicalPath(f[0]) ?? f[0], line: line.text, failed: false,
                                  groundTruth: Double(f[1]), count: count, lineNumber: line.number))
        }
        return ShardOutput(file: path, kind: .evalCSV, header: lines[headerIndex].text, records: records, problems: problems)
    }

    private static func problem(_ path: String, _ line: Line, _ why: String) -> String {
        "\(path):\(line.number): " + (line.cutOff ? "cut-off last line (the task stopped mid-write); rerun that shard with --resume" : why)
    }

    /// The identity `count` writes as `path` (`CanonicalPath.of`); nil when the file does not exist here.
    package static func canonicalPath(_ path: String) -> String? { CanonicalPath.of(path) }
}
