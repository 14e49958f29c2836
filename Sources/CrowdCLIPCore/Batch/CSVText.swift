import Foundation

/// Minimal CSV writing for the stable output formats.
package enum CSVText {
    /// `s` as one CSV field: quoted, with quotes doubled, when it holds a comma, quote or line break; else as is.
    package static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
