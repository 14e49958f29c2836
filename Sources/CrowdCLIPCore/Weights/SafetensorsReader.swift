import Foundation

/// Reads `.safetensors`: an 8-byte little-endian header length, a JSON header of
/// `name → {dtype, shape, data_offsets}`, then the raw data. The file is mapped; aligned float32 tensors are
/// views of the mapping (no copy), other dtypes are converted once.
enum SafetensorsReader {
    /// Safetensors dtype names (`"F32"`, `"BF16"`, …) and the element types they map to.
    static let dtypes: [String: WeightDType] = [
        "F32": .f32, "F16": .f16, "BF16": .bf16, "F64": .f64, "I64": .i64, "I32": .i32,
        "I16": .i16, "I8": .i8, "U8": .u8, "BOOL": .bool,
    ]

    /// Reads every tensor in the file, keeping names as stored (no canonical renaming).
    /// - Returns: The tensors by name, and the string entries of the `__metadata__` header object.
    /// - Throws: `WeightError.cannotOpen`, `.corrupt` (bad header, offsets that do not fit the shape) or
    ///   `.unsupported` (an unknown dtype).
    package static func read(path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let file = try MappedFile(path: path)
        let lengthBytes = try file.bytes(0, 8, what: "header length")
        let headerLength = Int(exactly: lengthBytes.loadUnaligned(as: UInt64.self).littleEndian) ?? -1
        guard headerLength > 1, headerLength <= 100_000_000 else {
            throw WeightError.corrupt(file: path, reason: "header length \(headerLength) is not plausible (not a safetensors file?)")
        }
        let header = try file.bytes(8, headerLength, what: "JSON header")
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: Data(header), options: []) } catch {
            throw WeightError.corrupt(file: path, reason: "the header is not valid JSON")
        }
        guard let entries = json as? [String: Any] else { throw WeightError.corrupt(file: path, reason: "the header is not a JSON object") }
        let dataStart = 8 + headerLength
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in entries {
            if name == "__metadata__" {
                for (k, v) in value as? [String: Any] ?? [:] { metadata[k] = v as? String }
                continue
            }
            guard let entry = value as? [String: Any], let dtypeName = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw WeightError.corrupt(file: path, reason: "tensor `\(name)` has a malformed header entry") }
            guard let dtype = dtypes[dtypeName] else {
                throw WeightError.unsupported(file: path, reason: "tensor `\(name)` has dtype \(dtypeName)")
            }
            guard shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
                throw WeightError.corrupt(file: path, reason: "tensor `\(name)` has shape \(shape)")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let (m, o) = acc.0.multipliedReportingOverflow(by: d); return (m, acc.1 || o)
            }
            let (byteCount, tooBig) = count.multipliedReportingOverflow(by: dtype.size)
            guard !overflow, !tooBig, offsets[0] >= 0, offsets[1] >= offsets[0], offsets[0] <= file.size, offsets[1] - offsets[0] == byteCount else {
                throw WeightError.corrupt(file: path, reason: "tensor `\(name)`: data range \(offsets) does not fit shape \(shape) of \(dtypeName)")
            }
            let bytes = try file.bytes(dataStart + offsets[0], offsets[1] - offsets[0], what: "tensor `\(name)`")
            tensors[name] = dtype.tensor(shape: shape, bytes: bytes, owner: file)
        }
        return (tensors, metadata)
    }
}
