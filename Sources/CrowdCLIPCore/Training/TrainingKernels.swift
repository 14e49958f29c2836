import Foundation

/// Forward and backward kernels of the layers, each backward next to its forward.
enum TrainingKernels {
    // MARK: LayerNorm

    /// y = (x − μ)·rstd·γ + β per row; keeps μ and rstd for the backward.
    static func layerNormForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                 rstd: UnsafeMutablePointer<Float>, rows: Int, cols: Int, gamma: Tensor, beta: Tensor) {
        let g = gamma.pointer, b = beta.pointer, inv = 1 / Float(cols)
        for r in 0..<rows {
            let xr = x + r * cols, yr = y + r * cols
            var s: Float = 0
            for c in 0..<cols { s += xr[c] }
            let m = s * inv
            var v: Float = 0
            for c in 0..<cols { let d = xr[c] - m; v += d * d }
            let rs = 1 / (v * inv + 1e-5).squareRoot()
            mean[r] = m; rstd[r] = rs
            for c in 0..<cols { yr[c] = (xr[c] - m) * rs * g[c] + b[c] }
        }
    }

    /// dx += LN'(dy); dγ += Σ dy·x̂; dβ += Σ dy.
    static func layerNormBackward(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                  rstd: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                                  gamma: Tensor, dGamma: Tensor, dBeta: Tensor) {
        let g = gamma.pointer, dg = dGamma.pointer, db = dBeta.pointer, inv = 1 / Float(cols)
        for r in 0..<rows {
            let dyr = dy + r * cols, xr = x + r * cols, dxr = dx + r * cols
            let m = mean[r], rs = rstd[r]
            var sumD: Float = 0, sumDX: Float = 0
            for c in 0..<cols {
                let xhat = (xr[c] - m) * rs, d = dyr[c] * g[c]
                sumD += d; sumDX += d * xhat
                dg[c] += dyr[c] * xhat; db[c] += dyr[c]
            }
            let meanD = sumD * inv, meanDX = sumDX * inv
            for c in 0..<cols {
                let xhat = (xr[c] - m) * rs
                dxr[c] += rs * (dyr[c] * g[c] - meanD - xhat * meanDX)
            }
        }
    }

    // MARK: QuickGELU

    static func quickGELUForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { let v = x[i]; y[i] = v / (1 + Foundation.exp(-1.702 * v)) }
    }

    /// dx = dy · (s + 1.702·x·s·(1 − s)), s = σ(1.702 x); in place on dy.
    static func quickGELUBackward(_ x: UnsafePointer<Float>, _ dy: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i], s = 1 / (1 + Foundation.exp(-1.702 * v))
            dy[i] *= s + 1.702 * v * s * (1 - s)
        }
    }

    // MARK: linear layers (PyTorch layout W [out, in])

    /// y = x·Wᵀ + b over `rows` rows.
    static func linearForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, w: Tensor, b: Tensor?) {
        let out = w.shape[0], inp = w.shape[1]
        if let b { Ops.fillRows(y, rows: rows, cols: out, with: b.pointer) }
        BLAS.sgemm(transB: true, m: rows, n: out, k: inp, a: x, lda: inp, b: w.pointer, ldb: inp,
                   beta: b == nil ? 0 : 1, c: y, ldc: out)
    }

    /// dW += dyᵀ·x, db += Σ dy, dx (+)= dy·W.
    static func linearBackward(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, w: Tensor, dW: Tensor, dB: Tensor?,
                               dx: UnsafeMutablePointer<Float>?, accumulate: Bool) {
        let out = w.shape[0], inp = w.shape[1]
        BLAS.sgemm(transA: true, m: out, n: inp, k: rows, a: dy, lda: out, b: x, ldb: inp, beta: 1, c: dW.pointer, ldc: inp)
        if let dB { for r in 0..<rows { let row = dy + r * out; for c in 0..<out { dB.pointer[c] += row[c] } } }
        if let dx {
            BLAS.sgemm(m: rows, n: inp, k: out, a: dy, lda: out, b: w.pointer, ldb: inp, beta: accumulate ? 1 : 0, c: dx, ldc: inp)
        }
    }

    // MARK: attention

    /// Per (sequence, head): P = softmax(scale·QKᵀ) kept in `probs`, out = P·V.
    static func attentionForward(qkv: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                                 batch: Int, tokens t: Int, width: Int, heads: Int) {
        let d = width / heads, ld = 3 * width, scale = 1 / Float(d).squareRoot()
        for b in 0..<batch {
            let base = qkv + b * t * ld
            for h in 0..<heads {
                let p = probs + (b * heads + h) * t * t
                BLAS.sgemm(transB: true, m: t, n: t, k: d, alpha: scale, a: base + h * d, lda: ld, b: base + width + h * d, ldb: ld, c: p, ldc: t)
                Ops.softmaxRows(p, rows: t, cols: t, ld: t)
                BLAS.sgemm(m: t, n: d, k: t, a: p, lda: t, b: base + 2 * width + h * d, ldb: ld, c: out + b * t * width + h * d, ldc: width)
            }
        }
    }

    /// From d(out) to d(qkv): dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P⊙(dP − rowsum(dP⊙P)), dQ = scale·dS·K, dK = scale·dSᵀ·Q.
    static func attentionBackward(dOut: UnsafePointer<Float>, qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                                  dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                  batch: Int, tokens t: Int, width: Int, heads: Int) {
        let d = width / heads, ld = 3 * width, scale = 1 / Float(d).squareRoot()
        for b in 0..<batch {
            let base = qkv + b * t * ld, dbase = dqkv + b * t * ld, dO = dOut + b * t * width
            for h in 0..<heads {
                let p = probs + (b * heads + h) * t * t
                let q = base + h * d, k = base + width + h * d, v = base + 2 * width + h * d
                BLAS.sgemm(transA: true, m: t, n: d, k: t, a: p, lda: t, b: dO + h * d, ldb: width, c: dbase + 2 * width + h * d, ldc: ld)
                BLAS.sgemm(transB: true, m: t, n: t, k: d, a: dO + h * d, lda: width, b: v, ldb: ld, c: scratch, ldc: t)
                for i in 0..<t {
                    let pr = p + i * t, dr = scratch + i * t
                    var dot: Float = 0
                    for j in 0..<t { dot += pr[j] * dr[j] }
                    for j in 0..<t { dr[j] = pr[j] * (dr[j] - dot) }
                }
                BLAS.sgemm(m: t, n: d, k: t, alpha: scale, a: scratch, lda: t, b: k, ldb: ld, c: dbase + h * d, ldc: ld)
                BLAS.sgemm(transA: true, m: t, n: d, k: t, alpha: scale, a: scratch, lda: t, b: q, ldb: ld, c: dbase + width + h * d, ldc: ld)
            }
        }
    }
}
