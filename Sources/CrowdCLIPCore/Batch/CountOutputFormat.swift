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
