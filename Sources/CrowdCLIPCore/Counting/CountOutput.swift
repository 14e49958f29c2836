import Foundation

/// How count results are written: one JSON object per line, CSV, or an aligned table for people.
///
/// Records name the image as it was found (`image`: the input argument joined with the name in its folder) and
/// by its identity (`path`: `CanonicalPath`), which `--resume` and `crowdclip merge` key on. A failure has an
/// `error` and no count; its `path` is missing when the file does not exist.
package enum CountOutputFormat: String, Sendable, CaseIterable {
    /// `jsonl`: one JSON object per image; `csv`: `csvHeader` then one row per image; `table`: aligned columns
    /// for reading in a terminal (not resumable or mergeable).
    case jsonl, csv, table

    /// The header line of the CSV format.
    static let csvHeader = "image,path,count,selected_patches,error"

    /// The header line, if the format has one.
    var header: String? {
        switch self {
        case .jsonl: return nil
        case .csv: return Self.csvHeader
        case .table: return TableLayout.header
        }
    }

    /// The format a file name asks for: `.csv`; `.jsonl` or `.json`; `.txt` or `.tsv` for a table.
    package static func inferred(fromFileName path: String) throws -> CountOutputFormat {
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": return .csv
        case "jsonl", "json": return .jsonl
        case "txt", "tsv": return .table
        default: throw OutputFileError.unknownExtension(file: path)
        }
    }

    /// The record of a counted image (without newline); `path` is its canonical path, nil when unknown.
    /// The JSON line lists every patch; the CSV row has the number of selected patches and an empty error.
    package func line(for result: CountResult, path: String?) -> String {
        switch self {
        case .jsonl:
            let patches = result.patches.map {
                "{\"row\": \($0.row), \"col\": \($0.col), \"selected\": \($0.selected), \"count\": \(JSONText.number($0.count))}"
            }
            return "{\"image\": \(JSONText.string(result.image)), \"path\": \(path.map(JSONText.string) ?? "null"), "
                + "\"count\": \(JSONText.number(result.count)), \"patches\": [\(patches.joined(separator: ", "))]}"
        case .csv:
            return "\(CSVText.field(result.image)),\(CSVText.field(path ?? "")),\(JSONText.number(result.count)),\(result.patches.filter(\.selected).count),"
        case .table:
            return TableLayout.row(result)
        }
    }

    /// The error record (without newline) of an image that could not be counted: no count, the `error` message.
    package func line(forFailure image: String, path: String?, error: String) -> String {
        switch self {
        case .jsonl:
            return "{\"image\": \(JSONText.string(image)), \"path\": \(path.map(JSONText.string) ?? "null"), \"error\": \(JSONText.string(error))}"
        case .csv: return "\(CSVText.field(image)),\(CSVText.field(path ?? "")),,,\(CSVText.field(error))"
        case .table: return TableLayout.failure(image, error: error)
        }
    }
}

/// The table's columns: the image name (cut from the left when too long), the count right-aligned (one
/// decimal for `--aggregation expectation`, so long values stay inside the column), kept patches.
enum TableLayout {
    static let imageWidth = 48, countWidth = 10

    static var header: String { cell("image", imageWidth) + " " + "count".leftPadded(countWidth) + "  kept" }

    static func row(_ r: CountResult) -> String {
        let count = r.count == r.count.rounded() ? String(Int(r.count)) : String(format: "%.1f", r.count)
        let kept = "\(r.patches.filter(\.selected).count)/\(r.patches.count)"
        return cell(r.image, imageWidth) + " " + count.leftPadded(countWidth) + "  " + kept
    }

    static func failure(_ image: String, error: String) -> String {
        cell(image, imageWidth) + " " + "error".leftPadded(countWidth) + "  " + error
    }

    static func cell(_ s: String, _ width: Int) -> String {
        s.count > width ? "…" + s.suffix(width - 1) : s.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}

/// Minimal JSON writing for the stable output formats.
package enum JSONText {
    /// `s` as a quoted JSON string literal: quotes, backslashes and control characters escaped.
    package static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// Integers without a fraction; other values with up to 4 decimals.
    package static func number(_ v: Double) -> String {
        if v.isFinite && v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        return String(format: "%.4f", v)
    }
}

/// Minimal CSV writing for the stable output formats.
package enum CSVText {
    /// `s` as one CSV field: quoted, with quotes doubled, when it holds a comma, quote or line break; else as is.
    package static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

/// Splits one CSV line (quoted fields with doubled quotes); nil when a quote is left open.
enum CSVLine {
    /// The fields of `line`, unquoted; nil when a quoted field is not closed.
    package static func parse(_ line: String) -> [String]? {
        var fields: [String] = [], current = "", quoted = false, i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if quoted {
                if c == "\"" {
                    let next = line.index(after: i)
                    if next < line.endIndex && line[next] == "\"" { current.append("\""); i = next } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { fields.append(current); current = "" } else { current.append(c) }
            i = line.index(after: i)
        }
        fields.append(current)
        return quoted ? nil : fields
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
