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

/// Python's `html.unescape` for numeric references and the common named entities.
enum HTMLEntities {
    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "copy": "©", "reg": "®",
        "trade": "™", "hellip": "…", "mdash": "—", "ndash": "–", "lsquo": "‘", "rsquo": "’", "ldquo": "“",
        "rdquo": "”", "laquo": "«", "raquo": "»", "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "deg": "°",
        "times": "×", "divide": "÷", "middot": "·", "bull": "•", "sect": "§", "para": "¶", "iexcl": "¡",
        "iquest": "¿", "eacute": "é", "egrave": "è", "ecirc": "ê", "euml": "ë", "aacute": "á", "agrave": "à",
        "acirc": "â", "auml": "ä", "atilde": "ã", "aring": "å", "aelig": "æ", "ccedil": "ç", "iacute": "í",
        "igrave": "ì", "icirc": "î", "iuml": "ï", "ntilde": "ñ", "oacute": "ó", "ograve": "ò", "ocirc": "ô",
        "ouml": "ö", "otilde": "õ", "oslash": "ø", "uacute": "ú", "ugrave": "ù", "ucirc": "û", "uuml": "ü",
        "yacute": "ý", "yuml": "ÿ", "szlig": "ß", "Eacute": "É", "Agrave": "À", "Ccedil": "Ç", "Ouml": "Ö",
        "Uuml": "Ü", "Auml": "Ä", "Ntilde": "Ñ", "hearts": "♥", "larr": "←", "rarr": "→", "uarr": "↑", "darr": "↓",
        "plusmn": "±", "frac12": "½", "frac14": "¼", "frac34": "¾", "micro": "µ", "alpha": "α", "beta": "β",
        "gamma": "γ", "delta": "δ", "pi": "π", "sigma": "σ", "omega": "ω", "infin": "∞", "ne": "≠", "le": "≤", "ge": "≥",
    ]

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            guard s[i] == "&", let semi = s[(i + 1)..<min(s.count, i + 34)].firstIndex(of: ";") else {
                out.append(s[i]); i += 1; continue
            }
            let body = String(String.UnicodeScalarView(s[(i + 1)..<semi]))
            if let value = decode(body) {
                for u in value.unicodeScalars { out.append(u) }
                i = semi + 1
            } else {
                out.append(s[i]); i += 1
            }
        }
        return String(out)
    }

    private static func decode(_ body: String) -> String? {
        if body.hasPrefix("#") {
            let digits = body.dropFirst()
            let code: UInt32?
            if digits.first == "x" || digits.first == "X" { code = UInt32(digits.dropFirst(), radix: 16) } else { code = UInt32(digits) }
            guard let c = code else { return nil }
            if c == 0 || (0xD800...0xDFFF).contains(c) || c > 0x10FFFF { return "\u{FFFD}" }
            if (0x80...0x9F).contains(c), let cp = cp1252(c) { return cp }
            return Unicode.Scalar(c).map { String($0) }
        }
        return named[body]
    }

    /// Python maps C1 control references to their Windows-1252 characters.
    private static func cp1252(_ c: UInt32) -> String? {
        let table: [UInt32: String] = [0x80: "€", 0x82: "‚", 0x83: "ƒ", 0x84: "„", 0x85: "…", 0x86: "†", 0x87: "‡",
            0x88: "ˆ", 0x89: "‰", 0x8A: "Š", 0x8B: "‹", 0x8C: "Œ", 0x8E: "Ž", 0x91: "‘", 0x92: "’", 0x93: "“",
            0x94: "”", 0x95: "•", 0x96: "–", 0x97: "—", 0x98: "˜", 0x99: "™", 0x9A: "š", 0x9B: "›", 0x9C: "œ",
            0x9E: "ž", 0x9F: "Ÿ"]
        return table[c]
    }
}
