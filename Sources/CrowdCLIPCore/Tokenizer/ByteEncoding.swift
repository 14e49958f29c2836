import Foundation

/// GPT-2/CLIP's reversible map from bytes to printable characters.
enum ByteEncoding {
    /// Bytes in the reference's table order: printable ranges first, then the rest.
    static let order: [Int] = {
        var bs = Array(33...126) + Array(161...172) + Array(174...255)
        for b in 0..<256 where !bs.contains(b) { bs.append(b) }
        return bs
    }()

    /// The printable character standing for each byte value.
    static let characters: [Character] = {
        var table = [Character](repeating: " ", count: 256)
        var n = 0
        for b in order {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            table[b] = Character(Unicode.Scalar(UInt32(printable ? b : 256 + n))!)
            if !printable { n += 1 }
        }
        return table
    }()
}
