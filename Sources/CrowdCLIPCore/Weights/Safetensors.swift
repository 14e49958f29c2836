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

/// Writes float32 `.safetensors` atomically (temporary file + rename), so a crash never leaves half a file.
package enum SafetensorsWriter {
    /// Writes `tensors` as F32 in the given order, with `metadata` as the `__metadata__` header when not empty,
    /// padding the header so the data starts 8-byte aligned.
    /// - Throws: the error of the JSON encoding or of `AtomicFile.write`.
    package static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, t) in tensors {
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + t.count * 4]]
            offset += t.count * 4
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (8 + json.count) % 8 != 0 { json.append(0x20) }  // keeps the data 8-byte aligned
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, t) in tensors { out.append(UnsafeBufferPointer(start: t.pointer, count: t.count)) }
        try AtomicFile.write(out, to: path)
    }
}

/// Writes a file through a temporary sibling and `rename`, which is atomic on POSIX file systems.
enum AtomicFile {
    /// Writes `data` to `path` through a temporary file in the same folder, then renames it over `path`.
    /// - Throws: the error of writing the temporary file, or `CocoaError(.fileWriteUnknown)` when the rename fails
    ///   (the temporary file is removed).
    package static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try data.write(to: tmp)
        if rename(tmp.path, url.path) != 0 {
            try? FileManager.default.removeItem(at: tmp)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
