import Foundation

/// A reproducible stream of float32 values per (seed, tensor name), the same bits in Swift and in
/// Tools/seeded_weights.py (numpy). Full-size parity runs on weights both sides generate, so none are committed.
///
/// Value `i` (0-based) is the `i + 1`-th output of SplitMix64 started at `seed ^ FNV-1a-64(name)`; its top 24 bits,
/// less 2^23, times 2^-23 give `x` in [-1, 1); the value is `mean + a * x` in float32 with
/// `a = Float(sqrt(3) * std)` worked out in Double (a uniform distribution of standard deviation `std`). Integer
/// steps, one correctly rounded sqrt and two float32 operations: no libm function whose last bit could differ.
/// The full spec is in Docs/encoders.md, "Seeded weights".
struct SeededStream: Sendable {
    /// SplitMix64's state before the first output.
    let start: UInt64

    /// The stream of tensor `name` under `seed`: a stream per name, so the order tensors are made in does not matter.
    init(seed: UInt64, name: String) {
        start = seed ^ Self.fnv1a64(name)
    }

    /// Output `index` of SplitMix64 (counter form: the state after `index + 1` steps, mixed).
    @inline(__always)
    func bits(at index: Int) -> UInt64 {
        var z = start &+ UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Value `index` mapped to [-1, 1) exactly: a multiple of 2^-23.
    @inline(__always)
    func unit(at index: Int) -> Float {
        Float(Int32(truncatingIfNeeded: bits(at: index) >> 40) - (1 << 23)) * 0x1p-23
    }

    /// Fills `values` with the stream's first `values.count` values at `mean` and `std`.
    func fill(_ values: UnsafeMutableBufferPointer<Float>, mean: Float, std: Double) {
        let a = Float((3.0).squareRoot() * std)
        for i in values.indices {
            let scaled = a * unit(at: i)
            values[i] = mean + scaled
        }
    }

    /// FNV-1a, 64 bits, over the UTF-8 bytes of `text`.
    static func fnv1a64(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// Σ bits(valueᵢ) · (2i + 1) mod 2^64: any flipped bit, or two values swapped, changes it.
    static func checksum(_ values: UnsafeBufferPointer<Float>) -> UInt64 {
        var sum: UInt64 = 0
        for (i, v) in values.enumerated() { sum &+= UInt64(v.bitPattern) &* UInt64(2 * i + 1) }
        return sum
    }
}
