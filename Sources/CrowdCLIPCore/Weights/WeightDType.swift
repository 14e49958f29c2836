import Foundation

/// Element types found in checkpoints; every one becomes float32 on load.
enum WeightDType: String, Sendable {
    /// Float32, float16, bfloat16, float64, signed 64/32/16/8-bit and unsigned 8-bit integers, and bool (one byte).
    case f32, f16, bf16, f64, i64, i32, i16, i8, u8, bool

    /// Bytes per element in the file.
    package var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    /// Converts `count` elements at `src` (any alignment) into `dst`.
    func convert(_ src: UnsafeRawPointer, count: Int, to dst: UnsafeMutablePointer<Float>) {
        switch self {
        case .f32: UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
        case .f16:
            for i in 0..<count { dst[i] = Float(Float16(bitPattern: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .bf16:
            for i in 0..<count {
                dst[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        case .f64: for i in 0..<count { dst[i] = Float(src.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
        case .i64: for i in 0..<count { dst[i] = Float(src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
        case .i32: for i in 0..<count { dst[i] = Float(src.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
        case .i16: for i in 0..<count { dst[i] = Float(src.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)) }
        case .i8: for i in 0..<count { dst[i] = Float(src.load(fromByteOffset: i, as: Int8.self)) }
        case .u8, .bool: for i in 0..<count { dst[i] = Float(src.load(fromByteOffset: i, as: UInt8.self)) }
        }
    }

    /// Builds a float32 tensor from raw little-endian bytes: a zero-copy view for aligned float32 data (kept
    /// alive by `owner`, the object whose region holds `bytes`), a converted copy otherwise.
    func tensor(shape: [Int], bytes: UnsafeRawBufferPointer, owner: ByteRegionOwner) -> Tensor {
        let count = shape.reduce(1, *)
        if self == .f32, let base = bytes.baseAddress, Int(bitPattern: base) % 4 == 0 {
            let p = UnsafeMutableRawPointer(mutating: base).assumingMemoryBound(to: Float.self)
            return Tensor(shape: shape, storage: TensorStorage(borrowing: p, count: count, owner: owner))
        }
        let out = Tensor(zeros: shape)
        if let base = bytes.baseAddress { convert(base, count: count, to: out.pointer) }
        return out
    }
}
