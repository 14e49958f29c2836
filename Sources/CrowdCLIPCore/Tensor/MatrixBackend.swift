import Foundation

/// Where `Linear` layers multiply: OpenBLAS in float32, or oneDNN in bf16 (`Precision.bf16`) or float32.
///
/// A backend converts each weight once, when the model is built, into the layout its kernel reads
/// (`PackedWeight`), and multiplies by it from then on. Products of two activations (attention's QKᵀ and PV)
/// have no weight to convert and stay float32 in `Attention`.
enum MatrixBackend: Sendable {
    /// float32 through OpenBLAS's `cblas_sgemm`; the weight is used where it lies (a mapped file is not copied)
    /// and the transpose flag stands in for a transposed copy.
    case openBLAS
    /// bfloat16 inputs and weights, float32 accumulation, through oneDNN's matmul on AVX512-BF16 or AMX-BF16.
    case oneDNNBFloat16
    /// float32 through oneDNN's matmul (`MatrixEngine.oneDNN`, `--engine onednn`), an alternative to OpenBLAS.
    case oneDNNFloat32

    /// The backend for `precision` on `engine`, checked to run at its speed here (bf16 is always oneDNN).
    /// - Throws: `PrecisionUnavailable` for bf16 on a CPU without bf16 instructions or without oneDNN, and for
    ///   the oneDNN fp32 engine without oneDNN.
    static func `for`(_ precision: Precision, engine: MatrixEngine = .openBLAS) throws -> MatrixBackend {
        switch (precision, engine) {
        case (.fp32, .openBLAS): return .openBLAS
        case (.fp32, .oneDNN):
            try OneDNN.load(for: "`--engine onednn`")
            return .oneDNNFloat32
        case (.bf16, _):
            try OneDNN.checkBF16()
            return .oneDNNBFloat16
        }
    }

    /// The float32 backend of the same engine, for the layers that stay float32 (the final projections).
    var float32: MatrixBackend { self == .oneDNNBFloat16 ? .openBLAS : self }

    /// `weight` in this backend's layout. oneDNN has passed its load-time checks by now (`for(_:)`), so a
    /// failure to pack is out of memory or a bug; it stops with oneDNN's message.
    func pack(_ weight: FrozenTensor, layout: PackedWeight.Layout) -> PackedWeight {
        switch self {
        case .openBLAS: return .float32(weight, layout)
        case .oneDNNBFloat16, .oneDNNFloat32:
            do { return .oneDNN(try OneDNNWeight(weight, layout: layout, bf16: self == .oneDNNBFloat16)) } catch {
                fatalError("\(error)")
            }
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
    /// A copy in oneDNN's blocked layout (bf16 or float32), made once; inference only.
    case oneDNN(OneDNNWeight)

    /// `y = x · Wᵀ + beta · y` for `rows` rows of `x` (`[rows, in]`) into `y` (`[rows, out]`); beta is 0 or 1.
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
        case let .oneDNN(w):
            w.multiply(x, rows: rows, beta: beta, into: y)
        }
    }
}
