import CZlib
import Foundation

/// The one zlib inflater: the gzip (tokenizer vocabulary), MAT-file and zip (torch checkpoint) readers all use it.
enum Zlib {
    /// Stream layout: `raw` deflate (a zip entry), `zlibHeader` (MAT `miCOMPRESSED`) or `gzipOrZlib` (auto-detects
    /// a gzip header).
    enum Wrapper {
        case raw, zlibHeader, gzipOrZlib

        var windowBits: Int32 {
            switch self {
            case .raw: return -15
            case .zlibHeader: return 15
            case .gzipOrZlib: return 15 + 32
            }
        }
    }

    struct Failure: Error {
        let code: Int32
        /// zlib itself could not start (a library mismatch), as opposed to a damaged stream.
        var couldNotStart: Bool { code == Z_VERSION_ERROR }
    }

    /// Deflate's best ratio is about 1032:1: no honest stream inflates to more than this many bytes per byte
    /// (the zip reader refuses entries that claim more).
    static let maxRatio = 1032

    /// The most `compressed` bytes can honestly inflate to.
    static func honestLimit(_ compressed: Int) -> Int {
        let (m, o) = compressed.multipliedReportingOverflow(by: maxRatio)
        return o ? Int.max : m + 1024
    }

    /// The inflated bytes, or zlib's error code when the stream is damaged or inflates past `limit` bytes
    /// (`Z_BUF_ERROR`). `declared`, given the first bytes out, may lower the limit to the size the data itself
    /// declares (a MAT element's tag), so memory follows what the file says rather than what it turns out to hold.
    static func inflate(_ src: [UInt8], wrapper: Wrapper, limit: Int, declared: ((ArraySlice<UInt8>) -> Int?)? = nil,
                        declaredAfter: Int = 8) -> Result<[UInt8], Failure> {
        withStream(wrapper) { stream in
            var limit = min(limit, honestLimit(src.count))
            var asked = declared == nil
            var out = [UInt8]()
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            var rc = Z_OK
            src.withUnsafeBufferPointer { inBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = UInt32(clamping: inBuf.count)
                while rc == Z_OK {
                    rc = chunk.withUnsafeMutableBufferPointer { buf in
                        stream.next_out = buf.baseAddress
                        stream.avail_out = UInt32(buf.count)
                        return CZlib.inflate(&stream, Z_NO_FLUSH)
                    }
                    out.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                    if !asked, out.count >= declaredAfter, let d = declared?(out[0..<declaredAfter]) {
                        asked = true
                        limit = min(limit, d)
                    }
                    if out.count > limit { rc = Z_BUF_ERROR }
                }
            }
            return rc == Z_STREAM_END ? .success(out) : .failure(Failure(code: rc))
        }
    }

    /// Inflates `src` into exactly `out.count` bytes, a size the container declares (a zip entry); fails when the
    /// stream is damaged or inflates to another size. Both counts must be below 4 GiB.
    static func inflate(_ src: UnsafeRawBufferPointer, wrapper: Wrapper, into out: UnsafeMutableRawBufferPointer) -> Result<Void, Failure> {
        withStream(wrapper) { stream in
            stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(src.count)
            stream.next_out = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(out.count)
            let rc = CZlib.inflate(&stream, Z_FINISH)
            return rc == Z_STREAM_END && Int(stream.total_out) == out.count ? .success(()) : .failure(Failure(code: rc))
        }
    }

    /// Runs `body` on a stream set up for `wrapper` and ends the stream after; `Z_VERSION_ERROR` when zlib cannot
    /// start (inflate itself never returns that code).
    private static func withStream<T>(_ wrapper: Wrapper, _ body: (inout z_stream) -> Result<T, Failure>) -> Result<T, Failure> {
        var stream = z_stream()
        guard inflateInit2_(&stream, wrapper.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return .failure(Failure(code: Z_VERSION_ERROR))
        }
        defer { inflateEnd(&stream) }
        return body(&stream)
    }
}
