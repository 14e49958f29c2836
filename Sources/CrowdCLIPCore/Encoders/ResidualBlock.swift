import Foundation

/// One pre-LayerNorm transformer block: `x += attn(ln_1(x))`, `x += mlp(ln_2(x))`.
/// Weights stay in PyTorch's `[out, in]` layout; the GEMMs use BLAS's transpose flag instead of copies.
struct ResidualBlock {
    let width: Int, heads: Int
    let ln1w: Tensor, ln1b: Tensor, inProjW: Tensor, inProjB: Tensor, outProjW: Tensor, outProjB: Tensor
    let ln2w: Tensor, ln2b: Tensor, fcW: Tensor, fcB: Tensor, projW: Tensor, projB: Tensor
    let activation: CLIPConfig.Activation

    init(_ w: WeightStore, prefix p: String, width: Int, heads: Int, activation: CLIPConfig.Activation) throws {
        self.width = width
        self.heads = heads
        self.activation = activation
        ln1w = try w.tensor(p + "ln_1.weight", shape: [width]); ln1b = try w.tensor(p + "ln_1.bias", shape: [width])
        inProjW = try w.tensor(p + "attn.in_proj_weight", shape: [3 * width, width])
        inProjB = try w.tensor(p + "attn.in_proj_bias", shape: [3 * width])
        outProjW = try w.tensor(p + "attn.out_proj.weight", shape: [width, width])
        outProjB = try w.tensor(p + "attn.out_proj.bias", shape: [width])
        ln2w = try w.tensor(p + "ln_2.weight", shape: [width]); ln2b = try w.tensor(p + "ln_2.bias", shape: [width])
        let hidden = try w.tensor(p + "mlp.c_fc.weight").shape.first ?? 4 * width
        fcW = try w.tensor(p + "mlp.c_fc.weight", shape: [hidden, width]); fcB = try w.tensor(p + "mlp.c_fc.bias", shape: [hidden])
        projW = try w.tensor(p + "mlp.c_proj.weight", shape: [width, hidden]); projB = try w.tensor(p + "mlp.c_proj.bias", shape: [width])
    }

    var hidden: Int { fcB.count }

    /// Runs the block in place on `x` ([batch·tokens, width]). `causal` masks future tokens (text).
    func forward(_ x: UnsafeMutablePointer<Float>, batch: Int, tokens: Int, causal: Bool, ws: Workspace) {
        let rows = batch * tokens, w = width
        // Attention: LN → fused QKV projection → per (sequence, head) softmax(QKᵀ/√d)V → output projection.
        Ops.layerNorm(x, ws.normed, rows: rows, cols: w, gamma: ln1w.pointer, beta: ln1b.pointer)
        Ops.fillRows(ws.qkv, rows: rows, cols: 3 * w, with: inProjB.pointer)
        BLAS.sgemm(transB: true, m: rows, n: 3 * w, k: w, a: ws.normed, lda: w, b: inProjW.pointer, ldb: w,
                   beta: 1, c: ws.qkv, ldc: 3 * w)
        Attention.multiHead(qkv: ws.qkv, out: ws.attn, batch: batch, tokens: tokens, width: w, heads: heads,
                            causal: causal, scores: ws.scores)
        Ops.addBias(x, rows: rows, cols: w, bias: outProjB.pointer)
        BLAS.sgemm(transB: true, m: rows, n: w, k: w, a: ws.attn, lda: w, b: outProjW.pointer, ldb: w,
                   beta: 1, c: x, ldc: w)
        // MLP: LN → fc → activation → proj, added to the residual stream.
        Ops.layerNorm(x, ws.normed, rows: rows, cols: w, gamma: ln2w.pointer, beta: ln2b.pointer)
        let h = hidden
        Ops.fillRows(ws.mlp, rows: rows, cols: h, with: fcB.pointer)
        BLAS.sgemm(transB: true, m: rows, n: h, k: w, a: ws.normed, lda: w, b: fcW.pointer, ldb: w,
                   beta: 1, c: ws.mlp, ldc: h)
        switch activation {
        case .quickGELU: Ops.quickGELU(ws.mlp, count: rows * h)
        case .gelu: Ops.gelu(ws.mlp, count: rows * h)
        }
        Ops.addBias(x, rows: rows, cols: w, bias: projB.pointer)
        BLAS.sgemm(transB: true, m: rows, n: w, k: h, a: ws.mlp, lda: h, b: projW.pointer, ldb: h,
                   beta: 1, c: x, ldc: w)
    }

    /// Scratch buffers for one forward pass over `rows` token rows, allocated once per call, not per token.
    final class Workspace {
        let normed, qkv, attn, mlp, scores: UnsafeMutablePointer<Float>
        private let storages: [TensorStorage]
        init(rows: Int, width: Int, hidden: Int, tokens: Int) {
            let sizes = [rows * width, rows * 3 * width, rows * width, rows * hidden, tokens * tokens]
            storages = sizes.map { TensorStorage(count: $0) }
            normed = storages[0].pointer; qkv = storages[1].pointer; attn = storages[2].pointer
            mlp = storages[3].pointer; scores = storages[4].pointer
        }
    }
}

/// Multi-head self-attention over a fused QKV buffer.
enum Attention {
    /// `qkv` is [batch·tokens, 3·width] (Q | K | V); `out` receives [batch·tokens, width]. Each head's Q, K and V
    /// are strided views into `qkv` (lda = 3·width), so BLAS reads them in place with no copies.
    static func multiHead(qkv: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, batch: Int, tokens: Int,
                          width: Int, heads: Int, causal: Bool, scores: UnsafeMutablePointer<Float>) {
        let d = width / heads, ld = 3 * width
        let scale = 1 / Float(d).squareRoot()
        for b in 0..<batch {
            let base = qkv + b * tokens * ld
            for h in 0..<heads {
                let q = base + h * d, k = base + width + h * d, v = base + 2 * width + h * d
                BLAS.sgemm(transB: true, m: tokens, n: tokens, k: d, alpha: scale, a: q, lda: ld, b: k, ldb: ld,
                           c: scores, ldc: tokens)
                if causal {
                    Ops.causalSoftmaxRows(scores, rows: tokens, cols: tokens, ld: tokens)
                } else {
                    Ops.softmaxRows(scores, rows: tokens, cols: tokens, ld: tokens)
                }
                BLAS.sgemm(m: tokens, n: d, k: tokens, a: scores, lda: tokens, b: v, ldb: ld,
                           c: out + b * tokens * width + h * d, ldc: width)
            }
        }
    }
}
