import Foundation

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

    /// Integers without a fraction; other values with up to 4 decimals (the count records and reports).
    package static func number(_ v: Double) -> String {
        if v.isFinite && v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        return String(format: "%.4f", v)
    }

    /// A mean over `count` values (MAE, MSE) as `number(_:)` writes it, or `null` when there were no values.
    package static func mean(_ v: Double, of count: Int) -> String {
        count > 0 ? number(v) : "null"
    }

    /// The shortest text that reads back to `v` (training's log, embedding rows); a missing or non-finite value is
    /// `null`, which JSON allows where it has no number for NaN or infinity.
    package static func number<T: BinaryFloatingPoint>(orNull v: T?) -> String {
        guard let v, v.isFinite else { return "null" }
        return "\(v)"
    }
}
