import Foundation

/// Multi-head self-attention over a fused QKV buffer, and its backward.
///
/// `qkv` is `[batch·tokens, 3·width]` (Q | K | V). Each head's Q, K and V are strided views into it
/// (lda = 3·width), so OpenBLAS reads them in place with no copies. These products multiply two activations, so
/// they call the raw GEMM rather than a `Linear`.
enum Attention {
    /// `out` receives `[batch·tokens, width]`. Each (sequence, head) softmax goes to `scores` (`tokens²`,
    /// reused), or, when `probs` is given, to its own slice of `probs` (`batch·heads·tokens²`, kept for the
    /// backward).
    static func forward(qkv: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, batch: Int, tokens: Int,
                        width: Int, heads: Int, causal: Bool, scores: UnsafeMutablePointer<Float>,
                        probs: UnsafeMutablePointer<Float>? = nil) {
        let d = width / heads, ld = 3 * width, t = tokens
        let scale = 1 / Float(d).squareRoot()
        for b in 0..<batch {
            let base = qkv + b * t * ld
            for h in 0..<heads {
                let q = base + h * d, k = base + width + h * d, v = base + 2 * width + h * d
                let p = probs.map { $0 + (b * heads + h) * t * t } ?? scores
                OpenBLAS.sgemm(transB: true, m: t, n: t, k: d, alpha: scale, a: q, lda: ld, b: k, ldb: ld, c: p, ldc: t)
                if causal {
                    TensorOps.causalSoftmaxRows(p, rows: t, cols: t, ld: t)
                } else {
                    TensorOps.softmaxRows(p, rows: t, cols: t, ld: t)
                }
                OpenBLAS.sgemm(m: t, n: d, k: t, a: p, lda: t, b: v, ldb: ld, c: out + b * t * width + h * d, ldc: width)
            }
        }
    }

    /// From d(out) to d(qkv) (non-causal): dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P⊙(dP − rowsum(dP⊙P)),
    /// dQ = scale·dS·K, dK = scale·dSᵀ·Q. `scratch` holds `tokens²` floats.
    static func backward(dOut: UnsafePointer<Float>, qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                         dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                         batch: Int, tokens t: Int, width: Int, heads: Int) {
        let d = width / heads, ld = 3 * width, scale = 1 / Float(d).squareRoot()
        for b in 0..<batch {
            let base = qkv + b * t * ld, dbase = dqkv + b * t * ld, dO = dOut + b * t * width
            for h in 0..<heads {
                let p = probs + (b * heads + h) * t * t
                let q = base + h * d, k = base + width + h * d, v = base + 2 * width + h * d
                OpenBLAS.sgemm(transA: true, m: t, n: d, k: t, a: p, lda: t, b: dO + h * d, ldb: width,
                           c: dbase + 2 * width + h * d, ldc: ld)
                OpenBLAS.sgemm(transB: true, m: t, n: t, k: d, a: dO + h * d, lda: width, b: v, ldb: ld, c: scratch, ldc: t)
                for i in 0..<t {
                    let pr = p + i * t, dr = scratch + i * t
                    var dot: Float = 0
                    for j in 0..<t { dot += pr[j] * dr[j] }
                    for j in 0..<t { dr[j] = pr[j] * (dr[j] - dot) }
                }
                OpenBLAS.sgemm(m: t, n: d, k: t, alpha: scale, a: scratch, lda: t, b: k, ldb: ld, c: dbase + h * d, ldc: ld)
                OpenBLAS.sgemm(transA: true, m: t, n: d, k: t, alpha: scale, a: scratch, lda: t, b: q, ldb: ld,
                           c: dbase + width + h * d, ldc: ld)
            }
        }
    }
}
