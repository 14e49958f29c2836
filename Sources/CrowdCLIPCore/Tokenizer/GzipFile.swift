import Foundation

/// Reads a gzip file through zlib.
enum GzipFile {
    static func readText(path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError.badVocabulary(file: path, reason: "cannot read the file")
        }
        let bytes = try inflate(data, name: path)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Inflates at most what the gzip trailer declares (ISIZE, the size modulo 2³²) and what the compressed
    /// size can honestly hold; a stream that goes past either is refused.
    static func inflate(_ data: Data, name: String) throws -> [UInt8] {
        let bytes = [UInt8](data)
        var limit = Zlib.honestLimit(bytes.count)
        if bytes.count >= 18, bytes[0] == 0x1F, bytes[1] == 0x8B {
            let n = bytes.count
            let isize = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
            if limit < 1 << 32 { limit = min(limit, isize) }
        }
        switch Zlib.inflate(bytes, wrapper: .gzipOrZlib, limit: limit) {
        case let .success(out): return out
        case let .failure(f): throw TokenizerError.badVocabulary(file: name, reason: "not a valid gzip stream (zlib error \(f.code))")
        }
    }
}
