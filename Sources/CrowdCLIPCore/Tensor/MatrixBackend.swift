import Foundation

/// Where `Linear` layers multiply: the seam a bf16 kernel (issue 12) or Accelerate on macOS plugs into.
///
/// A backend converts each weight once, when the model is built, into the layout its kernel reads
/// (`PackedWeight`), and multiplies by it from then on. Products of two activations (attention's QKᵀ and PV)
/// have no weight to convert and call the raw float32 GEMM, `OpenBLAS.sgemm`, directly.
enum MatrixBackend: Sendable {
    /// float32 through OpenBLAS's `cblas_sgemm`; the weight is used where it lies (a mapped file is not copied)
    /// and the transpose flag stands in for a transposed copy.
    case openBLAS

    /// `weight` in this backend's layout.
    func pack(_ weight: FrozenTensor, layout: PackedWeight.Layout) -> PackedWeight {
        switch self {
        case .openBLAS: return .float32(weight, layout)
        }
    }
}

/// A linear layer's weight in the layout of the backend that packed it.
enum PackedWeight: Sendable {
    /// How a float32 weight is stored: PyTorch's `[out, in]` (`nn.Linear`, convolutions) or `[in, out]`
    /// (CLIP's `visual.proj` and `text_projection`).
    enum Layout: Sendable { case outIn, inOut }

    /// The float32 tensor itself (shared, so training's in-place updates are seen without repacking).
    case float32(FrozenTensor, Layout)

    /// `y = x · Wᵀ + beta · y` for `rows` rows of `x` (`[rows, in]`) into `y` (`[rows, out]`).
    @inline(__always)
    func multiply(_ x: UnsafePointer<Float>, rows: Int, inputs: Int, outputs: Int, beta: Float,
                  into y: UnsafeMutablePointer<Float>) {
        switch self {
        case let .float32(w, .outIn):
            OpenBLAS.sgemm(transB: true, m: rows, n: outputs, k: inputs, a: x, lda: inputs, b: w.pointer, ldb: inputs,
                       beta: beta, c: y, ldc: outputs)
        case let .float32(w, .inOut):
            OpenBLAS.sgemm(m: rows, n: outputs, k: inputs, a: x, lda: inputs, b: w.pointer, ldb: outputs,
                       beta: beta, c: y, ldc: outputs)
        }
    }
}
