import CZlib
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
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TokenizerError.badVocabulary(name, "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let rc: Int32 = data.withUnsafeBytes { src in
            stream.next_in = UnsafeMutablePointer(mutating: src.bindMemory(to: UInt8.self).baseAddress)
            stream.avail_in = UInt32(src.count)
            var rc = Z_OK
            while rc == Z_OK {
                rc = chunk.withUnsafeMutableBufferPointer { buf in
                    stream.next_out = buf.baseAddress
                    stream.avail_out = UInt32(buf.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                out.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
            }
            return rc
        }
        guard rc == Z_STREAM_END else { throw TokenizerError.badVocabulary(name, "not a valid gzip stream (zlib error \(rc))") }
        return out
    }
}
