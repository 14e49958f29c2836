import CCrowdShims
import Foundation

/// Multi-head self-attention over a fused QKV buffer, and its backward.
///
/// `qkv` is `[batch·tokens, 3·width]` (Q | K | V). The forward runs a fused C kernel (`crowd_attention`): each
/// (sequence, head) pair's scores, softmax and product with V stay in cache, and the pairs are shared out
/// over as many threads as OpenBLAS uses, each pair on one thread (per-head products are too small for
/// OpenBLAS to split well). The per-head OpenBLAS products remain as `Kernel.blas`, the reference the kernel is
/// tested against. The backward multiplies through OpenBLAS, with Q, K and V read in place (lda = 3·width).
package enum Attention {
    /// How `forward` computes: the fused kernel (the default) or per-head OpenBLAS products.
    package enum Kernel: Sendable { case fused, blas }

    /// The kernel `forward` uses (tests and the benchmark compare the two).
    package static var kernel: Kernel {
        get { choice.value }
        set { choice.value = newValue }
    }
    private static let choice = LockedValue(Kernel.fused)

    /// `out` receives `[batch·tokens, width]`. When `probs` is given, each (sequence, head) softmax is kept in
    /// its own slice of it (`batch·heads·tokens²`, for the backward); `scores` (`tokens²`) is the OpenBLAS path's
    /// scratch.
    static func forward(qkv: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, batch: Int, tokens: Int,
                        width: Int, heads: Int, causal: Bool, scores: UnsafeMutablePointer<Float>,
                        probs: UnsafeMutablePointer<Float>? = nil) {
        switch kernel {
        case .fused:
            fusedForward(qkv: qkv, out: out, batch: batch, tokens: tokens, width: width, heads: heads, causal: causal,
                         probs: probs)
        case .blas:
            blasForward(qkv: qkv, out: out, batch: batch, tokens: tokens, width: width, heads: heads, causal: causal,
                        scores: scores, probs: probs)
        }
    }

    static func fusedForward(qkv: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, batch: Int,
                             tokens: Int, width: Int, heads: Int, causal: Bool, probs: UnsafeMutablePointer<Float>?) {
        let pairs = batch * heads
        let workers = max(1, min(pairs, OpenBLAS.threads))
        let scratchCount = crowd_attention_scratch_floats(tokens, width / heads)
        let scratch = TensorStorage(count: workers * scratchCount)
        // Worker w takes a contiguous run of pairs; every pair writes its own columns of `out` and its own slice
        // of `probs`, so the workers share nothing they write.
        nonisolated(unsafe) let (qkv, out, probs) = (qkv, out, probs)
        let run = { @Sendable (w: Int) in
            crowd_attention(qkv, out, tokens, width, heads, causal ? 1 : 0, probs, pairs * w / workers,
                            pairs * (w + 1) / workers, scratch.pointer + w * scratchCount)
        }
        if workers == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: run) }
    }

    static func blasForward(qkv: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, batch: Int,
                            tokens: Int, width: Int, heads: Int, causal: Bool, scores: UnsafeMutablePointer<Float>,
                            probs: UnsafeMutablePointer<Float>?) {
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

