import Foundation

/// Resampling filters with Pillow's kernels and supports.
enum ResampleFilter: String, CaseIterable, Sendable {
    /// Triangle kernel, support 1 (Pillow `BILINEAR`).
    case bilinear
    /// Keys cubic with a = -0.5, support 2 (Pillow `BICUBIC`).
    case bicubic

    var support: Double {
        switch self {
        case .bilinear: return 1.0
        case .bicubic: return 2.0
        }
    }

    /// The kernel, written as Pillow writes it so the doubles round identically.
    @inline(__always) func weight(_ x: Double) -> Double {
        var x = x
        if x < 0.0 { x = -x }
        switch self {
        case .bilinear:
            return x < 1.0 ? 1.0 - x : 0.0
        case .bicubic:
            let a = -0.5
            if x < 1.0 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
            if x < 2.0 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0.0
        }
    }
}
