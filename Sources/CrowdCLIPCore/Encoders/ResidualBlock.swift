import Foundation

/// One pre-LayerNorm transformer block: `x += attn(ln_1(x))`, `x += mlp(ln_2(x))`, with its backward.
/// Weights stay in PyTorch's `[out, in]` layout (see `Linear`).
struct ResidualBlock {
    let width: Int, heads: Int
    let ln1w: FrozenTensor, ln1b: FrozenTensor, ln2w: FrozenTensor, ln2b: FrozenTensor
    let inProj: Linear, outProj: Linear, fc: Linear, proj: Linear
    let activation: CLIPConfig.Activation

    init(_ w: WeightStore, prefix p: String, width: Int, heads: Int, activation: CLIPConfig.Activation,
         backend: MatrixBackend = .openBLAS) throws {
        self.width = width
        self.heads = heads
        self.activation = activation
        ln1w = try w.frozen(p + "ln_1.weight", shape: [width]); ln1b = try w.frozen(p + "ln_1.bias", shape: [width])
        inProj = Linear(weight: try w.frozen(p + "attn.in_proj_weight", shape: [3 * width, width]),
                        bias: try w.frozen(p + "attn.in_proj_bias", shape: [3 * width]), backend: backend)
        outProj = Linear(weight: try w.frozen(p + "attn.out_proj.weight", shape: [width, width]),
                         bias: try w.frozen(p + "attn.out_proj.bias", shape: [width]), backend: backend)
        ln2w = try w.frozen(p + "ln_2.weight", shape: [width]); ln2b = try w.frozen(p + "ln_2.bias", shape: [width])
        let hidden = try w.tensor(p + "mlp.c_fc.weight").shape.first ?? 4 * width
        fc = Linear(weight: try w.frozen(p + "mlp.c_fc.weight", shape: [hidden, width]),
                    bias: try w.frozen(p + "mlp.c_fc.bias", shape: [hidden]), backend: backend)
        proj = Linear(weight: try w.frozen(p + "mlp.c_proj.weight", shape: [width, hidden]),
                      bias: try w.frozen(p + "mlp.c_proj.bias", shape: [width]), backend: backend)
    }

    var hidden: Int { fc.outputs }

    /// Runs the block in place on `x` ([batch·tokens, width]). `causal` masks future tokens (text).
    /// With a `tape`, what the backward needs is written there instead of into the workspace; without one
    /// nothing extra is stored or copied.
    func forward(_ x: UnsafeMutablePointer<Float>, batch: Int, tokens: Int, causal: Bool, ws: Workspace, tape: Tape? = nil) {
        let rows = batch * tokens, w = width, h = hidden
        tape?.input.pointer.update(from: x, count: rows * w)
        // Attention: LN → fused QKV projection → per (sequence, head) softmax(QKᵀ/√d)V → output projection.
        let normed1 = tape?.h1.pointer ?? ws.normed, qkv = tape?.qkv.pointer ?? ws.qkv, attn = tape?.attn.pointer ?? ws.attn
        TensorOps.layerNorm(x, normed1, rows: rows, cols: w, gamma: ln1w.pointer, beta: ln1b.pointer,
                      mean: tape?.mean1.pointer, rstd: tape?.rstd1.pointer)
        inProj.forward(normed1, qkv, rows: rows)
        Attention.forward(qkv: qkv, out: attn, batch: batch, tokens: tokens, width: w, heads: heads, causal: causal,
                          scores: ws.scores, probs: tape?.probs.pointer)
        outProj.forward(attn, x, rows: rows, accumulate: true)
        tape?.mid.pointer.update(from: x, count: rows * w)
        // MLP: LN → fc → activation → proj, added to the residual stream.
        let normed2 = tape?.h2.pointer ?? ws.normed, preActivation = tape?.fc.pointer ?? ws.mlp
        TensorOps.layerNorm(x, normed2, rows: rows, cols: w, gamma: ln2w.pointer, beta: ln2b.pointer,
                      mean: tape?.mean2.pointer, rstd: tape?.rstd2.pointer)
        fc.forward(normed2, preActivation, rows: rows)
        switch activation {
        case .quickGELU: TensorOps.quickGELU(preActivation, into: ws.mlp, count: rows * h)
        case .gelu: TensorOps.gelu(preActivation, into: ws.mlp, count: rows * h)
        }
        proj.forward(ws.mlp, x, rows: rows, accumulate: true)
    }

    /// From `dx`, the gradient of the block's output, to the gradient of its input (in place), accumulating
    /// parameter gradients into `g`. Non-causal (the image tower) only.
    func backward(_ dx: UnsafeMutablePointer<Float>, tape a: Tape, batch: Int, tokens: Int, into g: BlockParameters,
                  scratch s: BackwardScratch) {
        let rows = batch * tokens, w = width, h = hidden
        // MLP: out = mid + act(LN2(mid)·Wfcᵀ + b)·Wprojᵀ + b. The activation is recomputed, not kept.
        switch activation {
        case .quickGELU: TensorOps.quickGELU(a.fc.pointer, into: s.act.pointer, count: rows * h)
        case .gelu: TensorOps.gelu(a.fc.pointer, into: s.act.pointer, count: rows * h)
        }
        proj.backward(dx, s.act.pointer, rows: rows, dWeight: g.projW, dBias: g.projB, dx: s.dFc.pointer)
        switch activation {
        case .quickGELU: TensorOps.quickGELUBackward(a.fc.pointer, s.dFc.pointer, count: rows * h)
        case .gelu: TensorOps.geluBackward(a.fc.pointer, s.dFc.pointer, count: rows * h)
        }
        fc.backward(s.dFc.pointer, a.h2.pointer, rows: rows, dWeight: g.fcW, dBias: g.fcB, dx: s.dH.pointer)
        s.dMid.pointer.update(from: dx, count: rows * w)
        TensorOps.layerNormBackward(s.dH.pointer, a.mid.pointer, mean: a.mean2.pointer, rstd: a.rstd2.pointer, dx: s.dMid.pointer,
                              rows: rows, cols: w, gamma: ln2w.pointer, dGamma: g.ln2w.pointer, dBeta: g.ln2b.pointer)
        // Attention: mid = in + Attn(LN1(in))·Woᵀ + b.
        outProj.backward(s.dMid.pointer, a.attn.pointer, rows: rows, dWeight: g.outW, dBias: g.outB, dx: s.dAttn.pointer)
        Attention.backward(dOut: s.dAttn.pointer, qkv: a.qkv.pointer, probs: a.probs.pointer, dqkv: s.dQKV.pointer,
                           scratch: s.scores.pointer, batch: batch, tokens: tokens, width: w, heads: heads)
        inProj.backward(s.dQKV.pointer, a.h1.pointer, rows: rows, dWeight: g.inW, dBias: g.inB, dx: s.dH.pointer)
        // d(in) = d(mid) + LN1'(dH).
        dx.update(from: s.dMid.pointer, count: rows * w)
        TensorOps.layerNormBackward(s.dH.pointer, a.input.pointer, mean: a.mean1.pointer, rstd: a.rstd1.pointer, dx: dx,
                              rows: rows, cols: w, gamma: ln1w.pointer, dGamma: g.ln1w.pointer, dBeta: g.ln1b.pointer)
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

    /// What one block's backward needs from its forward: the block input, LN1 output and statistics, QKV,
    /// attention probabilities, the attention output, the mid-block residual, LN2 output and statistics and
    /// the MLP pre-activation (about 10·width + hidden floats per token plus heads·tokens² per sequence).
    struct Tape {
        let input, h1, mean1, rstd1, qkv, probs, attn, mid, h2, mean2, rstd2, fc: TensorStorage

        init(rows: Int, width w: Int, hidden: Int, batch: Int, heads: Int, tokens t: Int) {
            input = .init(count: rows * w); h1 = .init(count: rows * w)
            mean1 = .init(count: rows); rstd1 = .init(count: rows)
            qkv = .init(count: rows * 3 * w); probs = .init(count: batch * heads * t * t); attn = .init(count: rows * w)
            mid = .init(count: rows * w); h2 = .init(count: rows * w)
            mean2 = .init(count: rows); rstd2 = .init(count: rows)
            fc = .init(count: rows * hidden)
        }
    }

    /// Gradient buffers the backward reuses from block to block.
    struct BackwardScratch {
        let dMid, dH, dFc, act, dAttn, dQKV, scores: TensorStorage

        init(rows: Int, width w: Int, hidden: Int, tokens t: Int) {
            dMid = .init(count: rows * w); dH = .init(count: rows * w)
            dFc = .init(count: rows * hidden); act = .init(count: rows * hidden)
            dAttn = .init(count: rows * w); dQKV = .init(count: rows * 3 * w); scores = .init(count: t * t)
        }
    }
}
