import Foundation

/// How count results are written: one JSON object per line, CSV, or an aligned table for people.
public enum CountOutputFormat: String, Sendable, CaseIterable {
    case jsonl, csv, table

    /// The header line, if the format has one.
    public var header: String? {
        switch self {
        case .jsonl: return nil
        case .csv: return "image,count,selected_patches,error"
        case .table: return "image".padding(toLength: 48, withPad: " ", startingAt: 0) + "   count  kept"
        }
    }

    public func line(for result: CountResult) -> String {
        switch self {
        case .jsonl:
            let patches = result.patches.map {
                "{\"row\": \($0.row), \"col\": \($0.col), \"selected\": \($0.selected), \"count\": \(JSON.number($0.count))}"
            }
            return "{\"image\": \(JSON.string(result.image)), \"count\": \(JSON.number(result.count)), \"patches\": [\(patches.joined(separator: ", "))]}"
        case .csv:
            return "\(CSV.field(result.image)),\(JSON.number(result.count)),\(result.patches.filter(\.selected).count),"
        case .table:
            let kept = "\(result.patches.filter(\.selected).count)/\(result.patches.count)"
            return Self.cell(result.image, 48) + " " + JSON.number(result.count).leftPadded(7) + "  " + kept
        }
    }

    public func line(forFailure image: String, error: String) -> String {
        switch self {
        case .jsonl: return "{\"image\": \(JSON.string(image)), \"error\": \(JSON.string(error))}"
        case .csv: return "\(CSV.field(image)),,,\(CSV.field(error))"
        case .table: return Self.cell(image, 48) + "   error  " + error
        }
    }

    private static func cell(_ s: String, _ width: Int) -> String {
        s.count > width ? "…" + s.suffix(width - 1) : s.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}

/// Minimal JSON writing for the stable output formats.
public enum JSON {
    public static func string(_ s: String) -> String {
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
    public static func number(_ v: Double) -> String {
        if v.isFinite && v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        return String(format: "%.4f", v)
    }
}

public enum CSV {
    public static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
