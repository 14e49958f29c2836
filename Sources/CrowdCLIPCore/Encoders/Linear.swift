import Foundation

/// A linear layer, `y = x · Wᵀ + b` over row-major `[rows, in]` inputs, with its backward.
///
/// The float32 weight stays the trainable value (training updates it in place); the product runs on the
/// weight as packed once by a `MatrixBackend`.
struct Linear {
    /// The float32 weight as stored in the file (`layout` says which way round).
    let weight: FrozenTensor
    let bias: FrozenTensor?
    let layout: PackedWeight.Layout
    let inputs: Int, outputs: Int
    /// The weight as the backend multiplies by it (converted once, here).
    let packed: PackedWeight

    init(weight: FrozenTensor, bias: FrozenTensor?, layout: PackedWeight.Layout = .outIn, backend: MatrixBackend = .openBLAS) {
        precondition(weight.rank == 2, "a linear weight is a matrix, not \(weight.shape)")
        self.weight = weight
        self.bias = bias
        self.layout = layout
        outputs = layout == .outIn ? weight.shape[0] : weight.shape[1]
        inputs = layout == .outIn ? weight.shape[1] : weight.shape[0]
        precondition(bias == nil || bias!.count == outputs, "bias of \(bias!.count) for \(outputs) outputs")
        packed = backend.pack(weight, layout: layout)
    }

    /// `y = x · Wᵀ + b`, or with `accumulate` `y += x · Wᵀ + b` (a residual add).
    @inline(__always)
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, accumulate: Bool = false) {
        if case let .oneDNN(w) = packed {
            // oneDNN adds the bias inside the product (measured faster than a pass over y, Docs/benchmarks.md).
            w.multiply(x, rows: rows, bias: bias?.pointer, beta: accumulate ? 1 : 0, into: y)
            return
        }
        if let bias {
            // The bias goes in first and the GEMM adds onto it (beta = 1): no separate pass over y.
            if accumulate {
                TensorOps.addBias(y, rows: rows, cols: outputs, bias: bias.pointer)
            } else {
                TensorOps.fillRows(y, rows: rows, cols: outputs, with: bias.pointer)
            }
        }
        packed.multiply(x, rows: rows, inputs: inputs, outputs: outputs, beta: accumulate || bias != nil ? 1 : 0, into: y)
    }

    /// From `dy` (`[rows, out]`) and the forward's input `x`: `dWeight += dyᵀ·x` (in the weight's layout),
    /// `dBias += Σ dy`, and `dx = dy · W` (`+=` with `accumulate`) when `dx` is given.
    func backward(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, dWeight: Tensor, dBias: Tensor?,
                  dx: UnsafeMutablePointer<Float>?, accumulate: Bool = false) {
        let w = weight.pointer, dw = dWeight.pointer
        switch layout {
        case .outIn:
            OpenBLAS.sgemm(transA: true, m: outputs, n: inputs, k: rows, a: dy, lda: outputs, b: x, ldb: inputs,
                       beta: 1, c: dw, ldc: inputs)
            if let dx {
                OpenBLAS.sgemm(m: rows, n: inputs, k: outputs, a: dy, lda: outputs, b: w, ldb: inputs,
                           beta: accumulate ? 1 : 0, c: dx, ldc: inputs)
            }
        case .inOut:
            OpenBLAS.sgemm(transA: true, m: inputs, n: outputs, k: rows, a: x, lda: inputs, b: dy, ldb: outputs,
                       beta: 1, c: dw, ldc: outputs)
            if let dx {
                OpenBLAS.sgemm(transB: true, m: rows, n: inputs, k: outputs, a: dy, lda: outputs, b: w, ldb: outputs,
                           beta: accumulate ? 1 : 0, c: dx, ldc: inputs)
            }
        }
        if let dBias {
            let db = dBias.pointer
            for r in 0..<rows { let row = dy + r * outputs; for c in 0..<outputs { db[c] += row[c] } }
        }
    }
}
