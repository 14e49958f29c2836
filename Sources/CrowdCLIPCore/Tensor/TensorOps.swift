import CCrowdShims
import Foundation

/// Element-wise and row-wise kernels over raw float buffers (row-major, `rows × cols`).
/// They work in place where that is natural; callers own the memory.
package enum TensorOps {
    /// `x[r, :] += bias` for every row.
    @inline(__always)
    package static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * cols
            for c in 0..<cols { row[c] += bias[c] }
        }
    }

    /// `y = x` broadcast of `bias` into each row (used before a GEMM with beta = 1).
    @inline(__always)
    package static func fillRows(_ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int, with bias: UnsafePointer<Float>) {
        for r in 0..<rows { (y + r * cols).update(from: bias, count: cols) }
    }

    /// LayerNorm over the last dimension: `out = (x − mean) / sqrt(var + eps) · gamma + beta` (biased variance,
    /// as PyTorch). `out` may equal `x`. When `mean` and `rstd` are given, each row's mean and `1/sqrt(var + eps)`
    /// are kept there for `layerNormBackward`. (C kernel, vectorised for the CPU at hand.)
    package static func layerNorm(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                                  gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float = 1e-5,
                                  mean: UnsafeMutablePointer<Float>? = nil, rstd: UnsafeMutablePointer<Float>? = nil) {
        crowd_layer_norm(x, out, rows, cols, gamma, beta, eps, mean, rstd)
    }

    /// The backward of `layerNorm`, from the input and the statistics it kept: `dx += LN'(dy)`,
    /// `dGamma += Σ dy·x̂`, `dBeta += Σ dy` over the rows.
    static func layerNormBackward(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                  rstd: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                                  gamma: UnsafePointer<Float>, dGamma: UnsafeMutablePointer<Float>,
                                  dBeta: UnsafeMutablePointer<Float>) {
        let inv = 1 / Float(cols)
        for r in 0..<rows {
            let dyr = dy + r * cols, xr = x + r * cols, dxr = dx + r * cols
            let m = mean[r], rs = rstd[r]
            var sumD: Float = 0, sumDX: Float = 0
            for c in 0..<cols {
                let xhat = (xr[c] - m) * rs, d = dyr[c] * gamma[c]
                sumD += d; sumDX += d * xhat
                dGamma[c] += dyr[c] * xhat; dBeta[c] += dyr[c]
            }
            let meanD = sumD * inv, meanDX = sumDX * inv
            for c in 0..<cols {
                let xhat = (xr[c] - m) * rs
                dxr[c] += rs * (dyr[c] * gamma[c] - meanD - xhat * meanDX)
            }
        }
    }

    /// QuickGELU, `x · sigmoid(1.702 x)`, in place (OpenAI CLIP's activation).
    package static func quickGELU(_ x: UnsafeMutablePointer<Float>, count: Int) {
        crowd_quick_gelu(x, x, count)
    }

    /// QuickGELU into `out` (which may equal `x`); the exp is the C kernel's polynomial (relative error < 3e-7).
    static func quickGELU(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        crowd_quick_gelu(x, out, count)
    }

    /// The backward of `quickGELU`, in place on `dy`: `dy · (s + 1.702·x·s·(1 − s))` with `s = σ(1.702 x)`.
    static func quickGELUBackward(_ x: UnsafePointer<Float>, _ dy: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i], s = 1 / (1 + Foundation.exp(-1.702 * v))
            dy[i] *= s + 1.702 * v * s * (1 - s)
        }
    }

    /// Exact GELU, `0.5 x (1 + erf(x / √2))`, in place (Hugging Face `hidden_act: gelu`).
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        gelu(x, into: x, count: count)
    }

    /// Exact GELU into `out` (which may equal `x`).
    static func gelu(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { let v = x[i]; out[i] = 0.5 * v * (1 + erff(v * 0.70710678118654752)) }
    }

    /// The backward of `gelu`, in place on `dy`: `dy · (Φ(x) + x·φ(x))`.
    static func geluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i], cdf = 0.5 * (1 + erff(v * 0.70710678118654752))
            let pdf = 0.3989422804014327 * Foundation.exp(-0.5 * v * v)
            dy[i] *= cdf + v * pdf
        }
    }

    /// Softmax over each row's first `cols` columns, in place; rows are `ld` floats apart.
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ld: Int) {
        crowd_softmax_rows(x, rows, cols, ld, 0)
    }

    /// Causal softmax: row `r` covers its first `r + 1` columns; the rest are set to zero (future tokens).
    static func causalSoftmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ld: Int) {
        crowd_softmax_rows(x, rows, cols, ld, 1)
    }

    /// Divides each row by its L2 norm (rows of zeros stay zero).
    static func l2NormalizeRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = x + r * cols
            var s: Float = 0
            for c in 0..<cols { s += row[c] * row[c] }
            guard s > 0 else { continue }
            let inv = 1 / s.squareRoot()
            for c in 0..<cols { row[c] *= inv }
        }
    }
}

extension Tensor {
    /// Rows divided by their L2 norms (a copy).
    func l2NormalizedRows() -> Tensor {
        let out = copy()
        let cols = shape.last ?? 1
        TensorOps.l2NormalizeRows(out.pointer, rows: count / max(cols, 1), cols: cols)
        return out
    }

    /// `self · otherᵀ` for row-major matrices [M,K] and [N,K] → [M,N].
    func matmulTransposed(_ other: Tensor) -> Tensor {
        precondition(rank == 2 && other.rank == 2 && shape[1] == other.shape[1])
        let out = Tensor(zeros: [shape[0], other.shape[0]])
        OpenBLAS.sgemm(transB: true, m: shape[0], n: other.shape[0], k: shape[1],
                   a: pointer, lda: shape[1], b: other.pointer, ldb: shape[1], c: out.pointer, ldc: other.shape[0])
        return out
    }
}
