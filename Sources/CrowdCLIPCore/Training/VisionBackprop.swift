import Foundation

/// The image encoder's forward pass keeping what its backward needs, and that backward, on flat buffers
/// through BLAS. Per block it keeps the block input, LN1 output and statistics, QKV, attention probabilities,
/// the attention output, the mid-block residual, LN2 output and statistics and the MLP pre-activation:
/// about 17 floats per token per width unit plus N·heads·T² probabilities (≈ 0.83 GB for six ViT-B/16 crops).
final class VisionBackprop {
    let p: VisionParameters
    let n: Int, t: Int, w: Int, hidden: Int, heads: Int, grid: Int, patch: Int, k: Int

    // Whole-model activations.
    let patches: TensorStorage      // [N·g², 3p²] unfolded patches
    let x0: TensorStorage           // [N·T, W] embeddings + positions (ln_pre input)
    let preMean: TensorStorage, preRstd: TensorStorage
    let clsIn: TensorStorage        // [N, W] final class tokens (ln_post input)
    let postMean: TensorStorage, postRstd: TensorStorage
    let pooled: TensorStorage       // [N, W] ln_post output
    let features: Tensor            // [N, E] projection output (not normalised)
    // Per block.
    struct Block {
        let input, h1, mean1, rstd1, qkv, probs, attn, mid, h2, mean2, rstd2, fc: TensorStorage
    }
    var blocks: [Block] = []
    var stream: TensorStorage       // the residual stream after the last block

    init(parameters: VisionParameters, batch: Int) {
        p = parameters
        let c = parameters.config
        n = batch; t = c.tokens; w = c.width; heads = c.heads; grid = c.gridSize; patch = c.patchSize
        k = 3 * patch * patch
        hidden = parameters.block(0).fcB.count
        let rows = n * t
        patches = TensorStorage(count: n * grid * grid * k)
        x0 = TensorStorage(count: rows * w)
        preMean = TensorStorage(count: rows); preRstd = TensorStorage(count: rows)
        clsIn = TensorStorage(count: n * w); pooled = TensorStorage(count: n * w)
        postMean = TensorStorage(count: n); postRstd = TensorStorage(count: n)
        features = Tensor(zeros: [n, parameters.embedDim])
        stream = TensorStorage(count: rows * w)
        for _ in 0..<c.layers {
            blocks.append(Block(input: .init(count: rows * w), h1: .init(count: rows * w), mean1: .init(count: rows), rstd1: .init(count: rows),
                                qkv: .init(count: rows * 3 * w), probs: .init(count: n * heads * t * t), attn: .init(count: rows * w),
                                mid: .init(count: rows * w), h2: .init(count: rows * w), mean2: .init(count: rows), rstd2: .init(count: rows),
                                fc: .init(count: rows * hidden)))
        }
    }

    /// Image features `[N, E]` (not normalised) for normalised pixels `[N, 3, S, S]`, keeping activations.
    func forward(_ images: Tensor) -> Tensor {
        let s = p.config.imageSize, rows = n * t
        precondition(images.shape == [n, 3, s, s], "batch shape \(images.shape)")
        // Patch embedding: unfold, one GEMM, class token, positions.
        for b in 0..<n { for gy in 0..<grid { for gx in 0..<grid {
            var dst = patches.pointer + ((b * grid + gy) * grid + gx) * k
            for ch in 0..<3 { for py in 0..<patch {
                dst.update(from: images.pointer + ((b * 3 + ch) * s + gy * patch + py) * s + gx * patch, count: patch)
                dst += patch
            } }
        } } }
        let x = x0.pointer
        for b in 0..<n {
            BLAS.sgemm(transB: true, m: grid * grid, n: w, k: k, a: patches.pointer + b * grid * grid * k, lda: k,
                       b: p.conv.pointer, ldb: k, c: x + (b * t + 1) * w, ldc: w)
            (x + b * t * w).update(from: p.classEmbedding.pointer, count: w)
            for i in 0..<(t * w) { x[b * t * w + i] += p.positional.pointer[i] }
        }
        let (g0, b0) = p.lnPre
        let act = TensorStorage(count: rows * hidden)  // QuickGELU output, recomputed in the backward
        var current = blocks.isEmpty ? stream.pointer : blocks[0].input.pointer
        TrainingKernels.layerNormForward(x, current, mean: preMean.pointer, rstd: preRstd.pointer, rows: rows, cols: w, gamma: g0, beta: b0)
        for (l, a) in blocks.enumerated() {
            let bp = p.block(l)
            TrainingKernels.layerNormForward(a.input.pointer, a.h1.pointer, mean: a.mean1.pointer, rstd: a.rstd1.pointer,
                                             rows: rows, cols: w, gamma: bp.ln1w, beta: bp.ln1b)
            TrainingKernels.linearForward(a.h1.pointer, a.qkv.pointer, rows: rows, w: bp.inW, b: bp.inB)
            TrainingKernels.attentionForward(qkv: a.qkv.pointer, out: a.attn.pointer, probs: a.probs.pointer,
                                             batch: n, tokens: t, width: w, heads: heads)
            a.mid.pointer.update(from: a.input.pointer, count: rows * w)
            Ops.addBias(a.mid.pointer, rows: rows, cols: w, bias: bp.outB.pointer)
            BLAS.sgemm(transB: true, m: rows, n: w, k: w, a: a.attn.pointer, lda: w, b: bp.outW.pointer, ldb: w, beta: 1, c: a.mid.pointer, ldc: w)
            TrainingKernels.layerNormForward(a.mid.pointer, a.h2.pointer, mean: a.mean2.pointer, rstd: a.rstd2.pointer,
                                             rows: rows, cols: w, gamma: bp.ln2w, beta: bp.ln2b)
            TrainingKernels.linearForward(a.h2.pointer, a.fc.pointer, rows: rows, w: bp.fcW, b: bp.fcB)
            TrainingKernels.quickGELUForward(a.fc.pointer, act.pointer, count: rows * hidden)
            let next = l + 1 < blocks.count ? blocks[l + 1].input.pointer : stream.pointer
            next.update(from: a.mid.pointer, count: rows * w)
            Ops.addBias(next, rows: rows, cols: w, bias: bp.projB.pointer)
            BLAS.sgemm(transB: true, m: rows, n: w, k: hidden, a: act.pointer, lda: hidden, b: bp.projW.pointer, ldb: hidden, beta: 1, c: next, ldc: w)
            current = next
        }
        for b in 0..<n { (clsIn.pointer + b * w).update(from: current + b * t * w, count: w) }
        let (gp, bpost) = p.lnPost
        TrainingKernels.layerNormForward(clsIn.pointer, pooled.pointer, mean: postMean.pointer, rstd: postRstd.pointer, rows: n, cols: w, gamma: gp, beta: bpost)
        let e = p.embedDim
        BLAS.sgemm(m: n, n: e, k: w, a: pooled.pointer, lda: w, b: p.proj.pointer, ldb: e, c: features.pointer, ldc: e)
        return features
    }

    /// Accumulates parameter gradients into `g` from d(features) `[N, E]`.
    func backward(_ dFeatures: Tensor, into g: VisionParameters) {
        let rows = n * t, e = p.embedDim
        // Projection and ln_post.
        BLAS.sgemm(transA: true, m: w, n: e, k: n, a: pooled.pointer, lda: w, b: dFeatures.pointer, ldb: e, beta: 1, c: g.proj.pointer, ldc: e)
        let dPooled = TensorStorage(count: n * w)
        BLAS.sgemm(transB: true, m: n, n: w, k: e, a: dFeatures.pointer, lda: e, b: p.proj.pointer, ldb: e, c: dPooled.pointer, ldc: w)
        let dCls = TensorStorage(count: n * w)
        TrainingKernels.layerNormBackward(dPooled.pointer, clsIn.pointer, mean: postMean.pointer, rstd: postRstd.pointer, dx: dCls.pointer,
                                          rows: n, cols: w, gamma: p.lnPost.0, dGamma: g.lnPost.0, dBeta: g.lnPost.1)
        var dx = TensorStorage(count: rows * w)  // gradient of the residual stream
        for b in 0..<n { (dx.pointer + b * t * w).update(from: dCls.pointer + b * w, count: w) }
        let dMid = TensorStorage(count: rows * w), dH = TensorStorage(count: rows * w)
        let dFc = TensorStorage(count: rows * hidden), act = TensorStorage(count: rows * hidden)
        let dAttn = TensorStorage(count: rows * w), dQKV = TensorStorage(count: rows * 3 * w), scratch = TensorStorage(count: t * t)
        for l in stride(from: blocks.count - 1, through: 0, by: -1) {
            let a = blocks[l], bp = p.block(l), gb = g.block(l)
            // MLP: out = mid + QuickGELU(LN2(mid)·Wfcᵀ + b)·Wprojᵀ + b.
            TrainingKernels.quickGELUForward(a.fc.pointer, act.pointer, count: rows * hidden)
            TrainingKernels.linearBackward(dx.pointer, act.pointer, rows: rows, w: bp.projW, dW: gb.projW, dB: gb.projB, dx: dFc.pointer, accumulate: false)
            TrainingKernels.quickGELUBackward(a.fc.pointer, dFc.pointer, count: rows * hidden)
            TrainingKernels.linearBackward(dFc.pointer, a.h2.pointer, rows: rows, w: bp.fcW, dW: gb.fcW, dB: gb.fcB, dx: dH.pointer, accumulate: false)
            dMid.pointer.update(from: dx.pointer, count: rows * w)
            TrainingKernels.layerNormBackward(dH.pointer, a.mid.pointer, mean: a.mean2.pointer, rstd: a.rstd2.pointer, dx: dMid.pointer,
                                              rows: rows, cols: w, gamma: bp.ln2w, dGamma: gb.ln2w, dBeta: gb.ln2b)
            // Attention: mid = in + Attn(LN1(in))·Woᵀ + b.
            TrainingKernels.linearBackward(dMid.pointer, a.attn.pointer, rows: rows, w: bp.outW, dW: gb.outW, dB: gb.outB, dx: dAttn.pointer, accumulate: false)
            TrainingKernels.attentionBackward(dOut: dAttn.pointer, qkv: a.qkv.pointer, probs: a.probs.pointer, dqkv: dQKV.pointer,
                                              scratch: scratch.pointer, batch: n, tokens: t, width: w, heads: heads)
            TrainingKernels.linearBackward(dQKV.pointer, a.h1.pointer, rows: rows, w: bp.inW, dW: gb.inW, dB: gb.inB, dx: dH.pointer, accumulate: false)
            let dIn = dx  // reuse: dIn = dMid + LN1'(dH)
            dIn.pointer.update(from: dMid.pointer, count: rows * w)
            TrainingKernels.layerNormBackward(dH.pointer, a.input.pointer, mean: a.mean1.pointer, rstd: a.rstd1.pointer, dx: dIn.pointer,
                                              rows: rows, cols: w, gamma: bp.ln1w, dGamma: gb.ln1w, dBeta: gb.ln1b)
            dx = dIn
        }
        // ln_pre, then positions, class token and patch embedding.
        let dX0 = TensorStorage(count: rows * w)
        TrainingKernels.layerNormBackward(dx.pointer, x0.pointer, mean: preMean.pointer, rstd: preRstd.pointer, dx: dX0.pointer,
                                          rows: rows, cols: w, gamma: p.lnPre.0, dGamma: g.lnPre.0, dBeta: g.lnPre.1)
        for b in 0..<n {
            let src = dX0.pointer + b * t * w
            for i in 0..<(t * w) { g.positional.pointer[i] += src[i] }
            for c in 0..<w { g.classEmbedding.pointer[c] += src[c] }
            BLAS.sgemm(transA: true, m: w, n: k, k: grid * grid, a: src + w, lda: w, b: patches.pointer + b * grid * grid * k, ldb: k,
                       beta: 1, c: g.conv.pointer, ldc: k)
        }
    }
}
