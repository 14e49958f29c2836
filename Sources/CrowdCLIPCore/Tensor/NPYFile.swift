import Foundation

/// NumPy `.npy` files holding little-endian float32 arrays in C order (what `np.save` writes for a
/// `float32` array). Used to feed already-normalised image tensors to the encoders.
enum NPYFile {
    /// Why a `.npy` file or buffer was rejected.
    package struct FormatError: Error, CustomStringConvertible, Equatable {
        /// The path, or the name given for in-memory data.
        package let file: String
        /// What is wrong: bad magic, unsupported version or dtype, Fortran order, a size that does not fit the data.
        package let reason: String
        /// `<file>: not a usable .npy file: <reason>`.
        package var description: String { "\(file): not a usable .npy file: \(reason)" }
    }

    /// Reads a float32 array. Every length and offset is checked against the file size.
    package static func read(path: String) throws -> Tensor {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw FormatError(file: path, reason: "cannot read it (\(error.localizedDescription))")
        }
        return try read(data: data, name: path)
    }

    /// Parses a `.npy` image held in memory (versions 1–3, dtype `<f4`, C order) into a tensor of its shape;
    /// `name` labels errors. Bytes after the array are ignored.
    /// - Throws: `NPYFile.FormatError` for anything else, or when the header or data runs past the end.
    package static func read(data: Data, name: String) throws -> Tensor {
        func fail(_ reason: String) -> FormatError { FormatError(file: name, reason: reason) }
        let bytes = [UInt8](data)
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("missing the \\x93NUMPY magic") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header length") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("format version \(major) is not supported")
        }
        guard headerLength >= 0, headerStart + headerLength <= bytes.count else {
            throw fail("header of \(headerLength) bytes runs past the end of the file (\(bytes.count) bytes)")
        }
        guard let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: major == 3 ? .utf8 : .isoLatin1)
        else { throw fail("unreadable header") }
        let descr = try field("descr", in: header, fail)
        guard descr == "'<f4'" || descr == "'float32'" || descr == "'=f4'" else {
            throw fail("dtype \(descr) is not float32 (save with arr.astype(np.float32))")
        }
        let fortran = try field("fortran_order", in: header, fail)
        guard fortran == "False" else { throw fail("Fortran-ordered arrays are not supported (use np.ascontiguousarray)") }
        let shapeText = try field("shape", in: header, fail)
        guard shapeText.hasPrefix("("), shapeText.hasSuffix(")") else { throw fail("malformed shape \(shapeText)") }
        var shape: [Int] = []
        for part in shapeText.dropFirst().dropLast().split(separator: ",") {
            let s = part.trimmingCharacters(in: .whitespaces)
            if s.isEmpty { continue }
            guard let v = Int(s), v >= 0 else { throw fail("malformed shape \(shapeText)") }
            shape.append(v)
        }
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail("shape \(shape) is too large") }
            count = p
        }
        let start = headerStart + headerLength
        guard count <= (bytes.count - start) / 4 else {
            throw fail("shape \(shape) needs \(count) float32 values but only \(bytes.count - start) data bytes follow the header")
        }
        let t = Tensor(zeros: shape)
        bytes.withUnsafeBytes { raw in
            let src = raw.baseAddress! + start
            let dst = t.pointer
            for i in 0..<count {
                dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
        }
        return t
    }

    /// The value text of `'key': value` in a header dict (a tuple is returned with its parentheses).
    private static func field(_ key: String, in header: String, _ fail: (String) -> FormatError) throws -> String {
        guard let k = header.range(of: "'\(key)'") else { throw fail("header has no '\(key)'") }
        var rest = header[k.upperBound...].drop { $0 == " " }
        guard rest.first == ":" else { throw fail("malformed header near '\(key)'") }
        rest = rest.dropFirst().drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { throw fail("unterminated shape tuple") }
            return String(rest[...close])
        }
        let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
        return rest[..<end].trimmingCharacters(in: .whitespaces)
    }

    /// The bytes of a float32 `.npy` (version 1.0) file holding `tensor`, as `np.save` would write them.
    package static func data(_ tensor: Tensor) -> Data {
        let shape = tensor.shape.map(String.init).joined(separator: ", ") + (tensor.rank == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape)), }"
        // Pad with spaces so the data starts on a 64-byte boundary; the header ends with a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let n = header.utf8.count
        out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        out.append(contentsOf: Array(header.utf8))
        for v in tensor.buffer { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    /// Writes `tensor` to `path` as a version 1.0 float32 `.npy` file (not atomically).
    /// - Throws: the error of `Data.write`.
    package static func write(_ tensor: Tensor, to path: String) throws {
        try data(tensor).write(to: URL(fileURLWithPath: path))
    }
}
