import Foundation

/// CLIP's pre-split pattern, `<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`
/// (case-insensitive), as a scanner over Unicode scalars: alternatives are tried in that order at each position.
enum PreTokenizer {
    private static let specials = ["<start_of_text>", "<end_of_text>"].map { Array($0.unicodeScalars) }
    private static let contractions = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace || (0x1C...0x1F).contains(s.value) }

    private static func matches(_ text: [Unicode.Scalar], at i: Int, _ word: [Unicode.Scalar]) -> Bool {
        guard i + word.count <= text.count else { return false }
        for (k, c) in word.enumerated() where text[i + k].properties.lowercaseMapping != String(c) { return false }
        return true
    }

    static func split(_ text: String) -> [String] {
        let s = Array(text.unicodeScalars)
        var out: [String] = []
        var i = 0
        func take(_ j: Int) { var v = String.UnicodeScalarView(); v.append(contentsOf: s[i..<j]); out.append(String(v)); i = j }
        scan: while i < s.count {
            if s[i] == "<" { for sp in specials where matches(s, at: i, sp) { take(i + sp.count); continue scan } }
            if s[i] == "'" {
                for c in contractions where matches(s, at: i + 1, c) { take(i + 1 + c.count); continue scan }
            }
            if isLetter(s[i]) {
                var j = i + 1
                while j < s.count && isLetter(s[j]) { j += 1 }
                take(j); continue
            }
            if isNumber(s[i]) { take(i + 1); continue }
            if isSpace(s[i]) { i += 1; continue }
            var j = i + 1
            while j < s.count && !isSpace(s[j]) && !isLetter(s[j]) && !isNumber(s[j]) { j += 1 }
            take(j)
        }
        return out
    }
}
