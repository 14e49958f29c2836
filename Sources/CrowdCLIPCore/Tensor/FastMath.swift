import Foundation

/// Vectorised exp for softmax and the GELU family. Libm's `expf` is called ~10 million times per ViT-B/16
/// image; this SIMD version (Cody–Waite range reduction, degree-6 polynomial) has a relative error below
/// 3e-7 over the float range that matters here, and clamps outside it.
@usableFromInline
enum FastMath {
    @inline(__always) @usableFromInline
    static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let clamped = x.clamped(lowerBound: SIMD16(repeating: -87.3), upperBound: SIMD16(repeating: 88.3))
        // Round x·log2(e) to an integer with the 1.5·2²³ trick: after the add, the integer sits in the low
        // mantissa bits, so no float→int conversion is needed (Swift's SIMD conversions are not vectorised).
        let magic = SIMD16<Float>(repeating: 12_582_912)
        let shifted = clamped * 1.442695040888963 + magic
        let n = shifted - magic
        // r = x − n·ln2 in two parts, so r stays exact enough for the polynomial.
        var r = clamped - n * 0.693145751953125
        r = r - n * 1.428606765330187e-06
        var p = SIMD16<Float>(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let ni = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let bits = (ni &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: SIMD16<Float>.self)
    }

    @inline(__always) @usableFromInline
    static func exp(_ x: Float) -> Float {
        exp(SIMD16<Float>(repeating: x))[0]
    }
}
