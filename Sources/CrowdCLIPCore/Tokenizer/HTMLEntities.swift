import Foundation

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
