import Foundation

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
