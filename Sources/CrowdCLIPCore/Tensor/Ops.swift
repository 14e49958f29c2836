import CCrowdShims
import Foundation

/// Element-wise and row-wise kernels over raw float buffers (row-major, `rows × cols`).
/// They work in place where that is natural; callers own the memory.
public enum Ops {
    /// Whether QuickGELU uses every OpenBLAS thread (the default) or this thread only (the benchmark's
    /// comparison).
    package static var threaded: Bool {
        get { threadedChoice.value }
        set { threadedChoice.value = newValue }
    }
    private static let threadedChoice = LockedValue(true)

    /// Runs `body` over `0..<count`, split into one contiguous part per OpenBLAS thread (the encoders' thread
    /// budget) when the work, `count · itemCost` in element passes, pays for waking another thread; else on
    /// this thread alone. Only compute-bound passes gain: QuickGELU's exp does (1.9× on 2 cores), while LayerNorm
    /// and the bias passes are bound by memory and gain nothing (measured by `crowdclip-bench --kernel-ab`).
    /// Callers hand their buffers in as `nonisolated(unsafe)` locals: the parts write disjoint rows.
    static func splitting(_ count: Int, itemCost: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let workers = count * itemCost >= 1 << 16 && threaded ? min(BLAS.threads, count) : 1
        guard workers > 1 else { return body(0..<count) }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            body(count * w / workers ..< count * (w + 1) / workers)
        }
    }

    /// `x[r, :] += bias` for every row.
    @inline(__always)
    public static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * cols
            for c in 0..<cols { row[c] += bias[c] }
        }
    }

    /// `y = x` broadcast of `bias` into each row (used before a GEMM with beta = 1).
    @inline(__always)
    public static func fillRows(_ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int, with bias: UnsafePointer<Float>) {
        for r in 0..<rows { (y + r * cols).update(from: bias, count: cols) }
    }

    /// LayerNorm over the last dimension: `out = (x − mean) / sqrt(var + eps) · gamma + beta` (biased variance,
    /// as PyTorch). `out` may equal `x`. When `mean` and `rstd` are given, each row's mean and `1/sqrt(var + eps)`
    /// are kept there for `layerNormBackward`. (C kernel, vectorised for the CPU at hand.)
    public static func layerNorm(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
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
    public static func quickGELU(_ x: UnsafeMutablePointer<Float>, count: Int) {
        quickGELU(x, into: x, count: count)
    }

    /// QuickGELU into `out` (which may equal `x`); the exp is the C kernel's polynomial (relative error < 3e-7).
    static func quickGELU(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        nonisolated(unsafe) let (x, out) = (x, out)
        let chunk = 1024  // whole vectors per thread
        splitting((count + chunk - 1) / chunk, itemCost: 8 * chunk) { part in
            let first = part.lowerBound * chunk
            crowd_quick_gelu(x + first, out + first, min(part.upperBound * chunk, count) - first)
        }
    }

    /// The backward of `quickGELU`, in place on `dy`: `dy · (s + 1.702·x·s·(1 − s))` with `s = σ(1.702 x)`.
    static func quickGELUBackward(_ x: UnsafePointer<Float>, _ dy: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i], s = 1 / (1 + Foundation.exp(-1.702 * v))
            dy[i] *= s + 1.702 * v * s * (1 - s)
        }
    }

    /// Exact GELU, `0.5 x (1 + erf(x / √2))`, in place (Hugging Face `hidden_act: gelu`).
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
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
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ld: Int) {
        crowd_softmax_rows(x, rows, cols, ld, 0)
    }

    /// Causal softmax: row `r` covers its first `r + 1` columns; the rest are set to zero (future tokens).
    public static func causalSoftmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ld: Int) {
        crowd_softmax_rows(x, rows, cols, ld, 1)
    }

    /// Divides each row by its L2 norm (rows of zeros stay zero).
    public static func l2NormalizeRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
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
    public func l2NormalizedRows() -> Tensor {
        let out = copy()
        let cols = shape.last ?? 1
        Ops.l2NormalizeRows(out.pointer, rows: count / max(cols, 1), cols: cols)
        return out
    }

    /// `self · otherᵀ` for row-major matrices [M,K] and [N,K] → [M,N].
    public func matmulTransposed(_ other: Tensor) -> Tensor {
        precondition(rank == 2 && other.rank == 2 && shape[1] == other.shape[1])
        let out = Tensor(zeros: [shape[0], other.shape[0]])
        BLAS.sgemm(transB: true, m: shape[0], n: other.shape[0], k: shape[1],
                   a: pointer, lda: shape[1], b: other.pointer, ldb: shape[1], c: out.pointer, ldc: other.shape[0])
        return out
    }
}
