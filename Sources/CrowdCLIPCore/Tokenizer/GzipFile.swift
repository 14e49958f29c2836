import Foundation

/// Reads a gzip file through zlib.
enum GzipFile {
    static func readText(path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError.badVocabulary(path, "cannot read the file")
        }
        let bytes = try inflate(data, name: path)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func inflate(_ data: Data, name: String) throws -> [UInt8] {
        switch Zlib.inflate([UInt8](data), wrapper: .gzipOrZlib) {
        case let .success(bytes): return bytes
        case let .failure(f): throw TokenizerError.badVocabulary(name, "not a valid gzip stream (zlib error \(f.code))")
        }
    }
}
