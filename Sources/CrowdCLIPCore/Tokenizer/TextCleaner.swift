import Foundation

/// The reference's text cleaning: `ftfy.fix_text`, `html.unescape` twice, whitespace collapsed, lower-cased.
///
/// Of ftfy's fixes, those that change ordinary text are done: curly quotes straightened, Latin ligatures and
/// full-width forms folded (NFKC on those characters), control characters removed, NFC normalisation. Its
/// mojibake repair (re-decoding text that was mis-decoded as Latin-1/cp1252) is not; see Docs/tokenizer.md.
enum TextCleaner {
    static func clean(_ text: String) -> String {
        let fixed = fixText(text)
        let unescaped = HTMLEntities.unescape(HTMLEntities.unescape(fixed))
        let words = unescaped.unicodeScalars.split(whereSeparator: PreTokenizer.isSpace)
        return lowercased(words.map { String(String.UnicodeScalarView($0)) }.joined(separator: " "))
    }

    /// Python's `str.lower`: full Unicode lower-case mapping, with capital sigma becoming final `ς` at the end
    /// of a word (Swift's `lowercased()` has no Final_Sigma rule).
    static func lowercased(_ text: String) -> String {
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (i, c) in s.enumerated() {
            // Scalar by scalar: `append(contentsOf:)` a String's scalars copies `out` each time (quadratic).
            if c.isASCII { out.append((65...90).contains(c.value) ? Unicode.Scalar(UInt8(c.value + 32)) : c); continue }
            guard c.value == 0x03A3 else {
                for u in c.properties.lowercaseMapping.unicodeScalars { out.append(u) }
                continue
            }
            func casedNeighbour(_ indices: StrideTo<Int>) -> Bool {
                for j in indices {
                    if s[j].properties.isCaseIgnorable { continue }
                    return s[j].properties.isCased
                }
                return false
            }
            let final = casedNeighbour(stride(from: i - 1, to: -1, by: -1)) && !casedNeighbour(stride(from: i + 1, to: s.count, by: 1))
            out.append(final ? "\u{03C2}" : "\u{03C3}")
        }
        return String(out)
    }

    static func fixText(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            switch s.value {
            case 0x02BC, 0x2018...0x201B: out.append("'")
            case 0x201C...0x201F: out.append("\"")
            case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0xFEFF, 0xFFF9...0xFFFC, 0x206A...0x206F, 0xE0000...0xE007F: continue
            case 0x0132, 0x0133, 0x0149, 0x01C4...0x01CC, 0x01F1...0x01F3, 0xFB00...0xFB06, 0x3000, 0xFF01...0xFFEE:
                for u in String(s).precomposedStringWithCompatibilityMapping.unicodeScalars { out.append(u) }
            default: out.append(s)
            }
        }
        return String(out).precomposedStringWithCanonicalMapping
    }
}
