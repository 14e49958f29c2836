import CZlib
import Foundation

/// Streaming zlib inflation shared by the gzip (tokenizer vocabulary) and MAT-file readers.
enum Zlib {
    /// Zlib stream layout: `zlibHeader` (MAT `miCOMPRESSED`) or `gzipOrZlib` (auto-detects a gzip header).
    enum Wrapper { case zlibHeader, gzipOrZlib }

    struct Failure: Error { let code: Int32 }

    /// The inflated bytes, or zlib's error code when the stream is damaged or over `limit` bytes.
    static func inflate(_ src: [UInt8], wrapper: Wrapper, limit: Int = 1 << 31) -> Result<[UInt8], Failure> {
        var stream = z_stream()
        let bits: Int32 = wrapper == .zlibHeader ? 15 : 15 + 32
        guard inflateInit2_(&stream, bits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return .failure(Failure(code: Z_VERSION_ERROR)) }
        defer { inflateEnd(&stream) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var rc = Z_OK
        src.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = UInt32(inBuf.count)
            while rc == Z_OK {
                rc = chunk.withUnsafeMutableBufferPointer { buf in
                    stream.next_out = buf.baseAddress
                    stream.avail_out = UInt32(buf.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                out.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                if out.count > limit { rc = Z_MEM_ERROR }
            }
        }
        return rc == Z_STREAM_END ? .success(out) : .failure(Failure(code: rc))
    }
}
