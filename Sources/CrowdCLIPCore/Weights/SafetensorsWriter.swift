import Foundation

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
